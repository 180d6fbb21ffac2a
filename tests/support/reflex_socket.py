"""A browser tab spoken to over the app's websocket, without a browser: Socket.IO on `/_event`, as Reflex's page does.

    async with ReflexSocket(app.url, cookie="d360_session=...") as tab:
        await tab.send(ChatActions, "load", path="/?chat=...")
        await tab.settle()
        tab.received_text()            # every update the server sent this tab, as one JSON string

Each tab has its own client token (or the one given, as a reconnecting page would send it). Events name a state
class and a handler; the payload is a dict of the handler's arguments. With `chain=True` the tab sends back the
events the server's updates ask for, as the page does (`send` then `follow`), and `arrivals` times each update.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode, urlsplit

import reflex as rx
import socketio

EVENT_PATH = "/_event"


def router_data(path: str) -> dict[str, Any]:
    """What the page sends about where it is."""
    parts = urlsplit(path)
    query = dict(item.split("=", 1) for item in parts.query.split("&") if "=" in item)
    return {"pathname": parts.path or "/", "query": query, "asPath": path}


class ReflexSocket:
    """One tab's websocket: send events, collect the updates the server sends back."""

    def __init__(
        self,
        base_url: str,
        *,
        cookie: str | None = None,
        token: str | None = None,
        path: str = "/",
        chain: bool = False,
        origin: str | None = None,
    ) -> None:
        """`chain`: send back the server events an update asks for (as the page does: a handler that returns
        another handler, `follow` after `send`); `origin`: the page's origin (default: `base_url`'s)."""
        self.base_url = base_url.rstrip("/")
        self.origin = origin
        self.cookie = cookie
        self.token = token or str(uuid.uuid4())
        self.path = path
        self.chain = chain
        self.updates: list[dict[str, Any]] = []
        self.arrivals: list[float] = []  # `time.perf_counter()` of each update
        self._client = socketio.AsyncClient(reconnection=False)
        self._client.on("event", self._received, namespace=EVENT_PATH)
        self._last_message = 0.0

    async def _received(self, update: Any) -> None:
        self.arrivals.append(time.perf_counter())
        self.updates.append(update if isinstance(update, dict) else {"raw": update})
        self._last_message = asyncio.get_running_loop().time()
        if self.chain and isinstance(update, dict):
            for event in update.get("events") or []:
                name = str(event.get("name", ""))
                if "." in name and not name.rpartition(".")[2].startswith("_"):  # a server event, not a browser one
                    payload = {
                        "name": name,
                        "payload": event.get("payload") or {},
                        "router_data": router_data(self.path),
                    }
                    await self._client.emit("event", payload, namespace=EVENT_PATH)

    async def __aenter__(self) -> ReflexSocket:
        headers = {"Origin": self.origin or f"{urlsplit(self.base_url).scheme}://{urlsplit(self.base_url).netloc}"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        await self._client.connect(
            f"{self.base_url}?{urlencode({'token': self.token})}",
            headers=headers,
            transports=["websocket"],
            namespaces=[EVENT_PATH],
            socketio_path=EVENT_PATH,
            wait_timeout=20,
        )
        await self.send(rx.State, "hydrate")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.disconnect()

    @property
    def connected(self) -> bool:
        """Whether the server still holds the connection open."""
        return self._client.connected

    async def send(
        self, state: type[rx.State], handler: str, payload: dict[str, Any] | None = None, *, path: str | None = None
    ) -> None:
        """Send the event `state.handler(**payload)` as the page would."""
        event = {
            "name": f"{state.get_full_name()}.{handler}",
            "payload": payload or {},
            "router_data": router_data(path or self.path),
        }
        await self._client.emit("event", event, namespace=EVENT_PATH)

    async def settle(self, quiet: float = 0.6, longest: float = 15.0) -> None:
        """Wait until the server has sent nothing for `quiet` seconds (at most `longest`)."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        self._last_message = max(self._last_message, start)
        while loop.time() - start < longest:
            if loop.time() - self._last_message >= quiet:
                return
            await asyncio.sleep(0.05)

    def received_text(self) -> str:
        """Every update received so far, as one JSON string (to search for data that must not be there)."""
        return json.dumps(self.updates, default=str)

    def delta_values(self, state: type[rx.State]) -> dict[str, Any]:
        """The latest value the server sent of each var of `state`, by var name."""
        name, values = state.get_full_name(), {}
        for update in self.updates:
            for var, value in (update.get("delta") or {}).get(name, {}).items():
                values[var.removesuffix("_rx_state_")] = value
        return values
