"""Vega-Lite chart specs in a viz-spec tool's result: found inline or at a URL, fetched within the call's deadline.

The client owns this: a `ToolResult` of `data360_get_viz_spec` carries the spec itself (`viz_spec`), with data the
spec loads by URL already fetched, so the assistant only converts it. Fetches are bounded in time (the tool call's
deadline) and size (`SPEC_MAX_BYTES`).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

VIZ_SPEC_TOOL = "data360_get_viz_spec"
SPEC_MAX_BYTES = 5_000_000
SPEC_KEYS = ("spec", "vega_lite", "vegalite", "vl_spec", "chart", "vega_lite_spec")


class SpecUnavailable(Exception):
    """The spec could not be loaded; the message says why."""


def is_vega_lite(value: Any) -> bool:
    """Whether a value looks like a Vega-Lite spec."""
    if not isinstance(value, dict):
        return False
    schema = str(value.get("$schema", ""))
    return "vega-lite" in schema or ("mark" in value and "encoding" in value) or "layer" in value


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.strip().startswith(("http://", "https://"))


def find_spec(payload: Any) -> dict[str, Any] | str | None:
    """The spec in a result (parsed data, or its JSON text): itself, under a known key, or the URL it is stored at."""
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except (ValueError, RecursionError):
            return payload.strip() if _is_url(payload) else None
    if is_vega_lite(payload):
        return payload
    if not isinstance(payload, dict):
        return None
    for key in SPEC_KEYS:
        found = payload.get(key)
        if is_vega_lite(found):
            return found
        if isinstance(found, str) and (inner := find_spec(found)) is not None:
            return inner
    url = payload.get("url")
    return url.strip() if _is_url(url) else None


async def fetch_json(url: str, timeout: float, max_bytes: int = SPEC_MAX_BYTES) -> Any:  # noqa: ASYNC109
    """The JSON at `url`, read within `timeout` seconds and `max_bytes`; `SpecUnavailable` otherwise."""
    if not _is_url(url):
        raise SpecUnavailable(f"not an http(s) URL: {url[:100]}")
    try:
        async with (
            asyncio.timeout(timeout),
            httpx.AsyncClient(timeout=timeout) as http,
            http.stream("GET", url) as response,
        ):
            response.raise_for_status()
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise SpecUnavailable(f"the chart spec at {url[:200]} is larger than {max_bytes:,} bytes")
        return json.loads(body)
    except TimeoutError as exc:
        raise SpecUnavailable(f"the chart spec at {url[:200]} did not arrive within {timeout:.3g} s") from exc
    except (httpx.HTTPError, ValueError, RecursionError) as exc:
        raise SpecUnavailable(f"could not load the chart spec from {url[:200]}: {exc}") from exc


async def load_spec(payload: Any, deadline: float) -> dict[str, Any] | None:
    """The spec a result holds or points at, its data fetched when given by URL, by the `time.monotonic()`
    `deadline`; None when the result holds no spec, `SpecUnavailable` when it cannot be loaded."""
    found = find_spec(payload)
    if found is None:
        return None

    def left() -> float:
        return max(deadline - time.monotonic(), 0.001)

    spec = await fetch_json(found, left()) if isinstance(found, str) else found
    if not is_vega_lite(spec):
        raise SpecUnavailable("the chart spec is not Vega-Lite")
    for view in [spec, *spec.get("layer", [])]:
        data = view.get("data") if isinstance(view, dict) else None
        if isinstance(data, dict) and isinstance(data.get("url"), str) and "values" not in data:
            loaded = await fetch_json(data["url"], left())
            view["data"] = {"values": loaded.get("value", loaded) if isinstance(loaded, dict) else loaded}
    return spec
