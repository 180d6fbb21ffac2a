"""Content that is not text, from a real MCP server: images, audio, resource links and embedded resources are kept
as what they are (kind, MIME type, address, data) and described to the model with their addresses."""

from __future__ import annotations

import base64
import json
import logging

import pytest

from data360_chat.mcp_client import McpHub
from data360_chat.settings import Settings
from tests.support.fault_mcp_server import CSV, PNG, FaultServer


def hub_for(faults: FaultServer, max_chars: int = 200_000) -> McpHub:
    extra = json.dumps([{"name": "faults", "url": faults.url}])
    return McpHub(Settings(data360_mcp_url=None, extra_mcp_servers=extra, tool_result_max_chars=max_chars))


async def test_an_image_keeps_its_data_and_type_beside_its_caption(faults: FaultServer) -> None:
    hub = hub_for(faults)
    await hub.start()
    try:
        result = await hub.call("picture", {})
    finally:
        await hub.close()
    assert result.ok, result.error
    [image] = result.attachments
    assert (image.kind, image.mime_type, image.data, image.size) == ("image", "image/png", PNG, 128)
    assert base64.b64decode(image.data).startswith(b"\x89PNG")
    assert result.text == "GDP of Kenya\n[Image: image/png, 128 bytes]"


async def test_audio_resource_links_and_embedded_resources_are_kept_with_their_addresses(faults: FaultServer) -> None:
    hub = hub_for(faults)
    await hub.start()
    try:
        sound, linked, embedded = [await hub.call(tool, {}) for tool in ("sound", "linked", "embedded")]
    finally:
        await hub.close()
    assert sound.ok and sound.attachments[0].kind == "audio" and sound.attachments[0].mime_type == "audio/wav"
    assert sound.text == "[Audio: audio/wav, 44 bytes]"

    assert linked.ok, linked.error
    [link] = linked.attachments
    url = f"http://127.0.0.1:{faults.port}/files/kenya.csv"
    assert (link.kind, link.uri, link.name, link.mime_type, link.size) == (
        "resource_link",
        url,
        "kenya.csv",
        "text/csv",
        5120,
    )
    assert linked.text == f"The rows are in a file.\n[Resource link: kenya.csv, {url}, text/csv, 5,120 bytes] Rows"

    assert embedded.ok, embedded.error
    text, blob = embedded.attachments
    assert (text.kind, text.uri, text.mime_type, text.text) == ("resource", "data360://kenya.csv", "text/csv", CSV)
    assert (blob.kind, blob.uri, blob.mime_type, blob.data) == ("resource", "data360://kenya.png", "image/png", PNG)
    assert embedded.text == (
        f"[Resource: data360://kenya.csv, text/csv, {len(CSV)} bytes]\n{CSV}\n"
        "[Resource: data360://kenya.png, image/png, 128 bytes]"
    )
    assert "[resource content]" not in embedded.text


async def test_data_over_the_size_limit_is_described_but_not_kept(faults: FaultServer) -> None:
    hub = hub_for(faults, max_chars=100)
    await hub.start()
    try:
        result = await hub.call("picture", {})
    finally:
        await hub.close()
    [image] = result.attachments
    assert result.ok and image.data is None and image.size == 128 and image.mime_type == "image/png"


async def test_log_messages_a_server_sends_go_to_the_apps_log(
    faults: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    hub = hub_for(faults)
    await hub.start()
    try:
        with caplog.at_level(logging.DEBUG, logger="data360_chat.mcp_client"):
            result = await hub.call("noisy", {})
    finally:
        await hub.close()
    assert result.ok and result.text == "done"
    [record] = [r for r in caplog.records if "almost full" in r.getMessage()]
    assert record.levelno == logging.WARNING and record.getMessage().startswith("MCP server faults")
