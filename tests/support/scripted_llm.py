"""A scripted OpenAI-compatible chat server on loopback that streams Server-Sent Events.

Each request to `POST /v1/chat/completions` takes the next `Reply` of the script (or asks a function for one) and
plays its steps: text pieces, tool-call deltas (arguments split over several chunks), pauses, a hang, a cut
connection, a clean close with no finish reason or `[DONE]`, a `length` or `content_filter` finish, an HTTP error.
Every request is recorded with its JSON body, the chunks sent and whether the client went away before the reply
ended, so tests can check that Stop really stopped the generation.

    async with ScriptedLLM([Reply.text("Hello"), ...]) as llm:
        litellm.acompletion(model="openai/scripted", api_base=llm.url, api_key="x", ...)

`ScriptedLLM.in_thread(...)` runs the same server on its own event loop in a thread (for synchronous tests or a
separate app process), and `python -m tests.support.scripted_llm --port P --text "..."` serves one answer forever.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

# --- Script ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """Stream `text` as content, `per_chunk` characters (about one token) a chunk."""

    text: str
    per_chunk: int = 4


@dataclass(frozen=True)
class ToolCall:
    """A tool call whose arguments (any string, valid JSON or not) arrive in `pieces` chunks."""

    name: str
    arguments: str
    call_id: str = ""
    pieces: int = 3


@dataclass(frozen=True)
class Pause:
    """Wait before the next chunk."""

    seconds: float


@dataclass(frozen=True)
class Hang:
    """Stop sending without closing the connection (until the client gives up)."""


@dataclass(frozen=True)
class Cut:
    """Close the connection abruptly, mid-stream."""


@dataclass(frozen=True)
class Close:
    """End the body cleanly here, with no finish reason, usage or `[DONE]` (a proxy closing it mid-answer)."""


Step = Text | ToolCall | Pause | Hang | Cut | Close


@dataclass(frozen=True)
class Reply:
    """An HTTP error, or steps then `finish_reason` (empty: `stop` or `tool_calls`) and usage, unless cut or hung."""

    steps: Sequence[Step] = ()
    status: int = 200
    error: str = ""
    usage: tuple[int, int] | None = (11, 7)
    finish_reason: str = ""
    first_chunk_delay: float = 0.0
    chunk_delay: float = 0.0

    @classmethod
    def text(cls, text: str, **options: Any) -> Reply:
        """A plain text answer."""
        return cls(steps=(Text(text),), **options)

    @classmethod
    def tools(cls, *calls: tuple[str, dict[str, Any] | str], **options: Any) -> Reply:
        """A turn that asks for tools: `(name, arguments)` pairs; a string is sent as the raw arguments."""
        steps = [
            ToolCall(name, raw if isinstance(raw, str) else json.dumps(raw), call_id=f"call_{index}")
            for index, (name, raw) in enumerate(calls)
        ]
        return cls(steps=tuple(steps), **options)

    @classmethod
    def failure(cls, status: int, message: str = "scripted failure") -> Reply:
        """An HTTP error response (429, 500, 503 ...)."""
        return cls(status=status, error=message)


Script = Sequence[Reply] | Callable[[dict[str, Any]], Reply]


def many_words(count: int) -> str:
    """A long text of distinct words (LiteLLM rejects a stream that repeats one chunk about 100 times)."""
    return " ".join(f"word{number}" for number in range(count)) + " "


@dataclass
class Recorded:
    """One request the server received and what it did with it."""

    body: dict[str, Any]
    received_at: float
    chunks_sent: int = 0
    first_chunk_at: float | None = None
    completed: bool = False
    disconnected: asyncio.Event = field(default_factory=asyncio.Event)  # its connection closed

    @property
    def abandoned(self) -> bool:
        """The client went away before the reply ended."""
        return self.disconnected.is_set() and not self.completed

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages the client sent."""
        return self.body.get("messages", [])


# --- SSE chunks --------------------------------------------------------------------------------------------------


def _chunk(delta: dict[str, Any], finish: str | None = None, usage: dict[str, int] | None = None) -> bytes:
    payload: dict[str, Any] = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "scripted",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}] if usage is None else [],
    }
    if usage is not None:
        payload["usage"] = usage
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


def _split(text: str, pieces: int) -> list[str]:
    size = max(1, -(-len(text) // max(1, pieces)))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _events(reply: Reply) -> Iterator[bytes | Pause | Hang | Cut | Close]:
    """The reply as SSE chunks, interleaved with the pauses, hangs and cuts it asks for."""
    yield _chunk({"role": "assistant", "content": ""})
    tool_index = itertools.count()
    asked_tools = False
    for step in reply.steps:
        if isinstance(step, Text):
            for start in range(0, len(step.text), step.per_chunk):
                yield _chunk({"content": step.text[start : start + step.per_chunk]})
        elif isinstance(step, ToolCall):
            asked_tools = True
            index = next(tool_index)
            call_id = step.call_id or f"call_{index}"
            for number, piece in enumerate(_split(step.arguments, step.pieces)):
                call: dict[str, Any] = {"index": index, "function": {"arguments": piece}}
                if number == 0:
                    call.update(id=call_id, type="function")
                    call["function"]["name"] = step.name
                yield _chunk({"tool_calls": [call]})
        else:
            yield step
    yield _chunk({}, finish=reply.finish_reason or ("tool_calls" if asked_tools else "stop"))
    if reply.usage is not None:
        prompt, completion = reply.usage
        yield _chunk(
            {}, usage={"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
        )
    yield b"data: [DONE]\n\n"


# --- HTTP ---------------------------------------------------------------------------------------------------------


class ScriptedLLM:
    """The server. `url` is the OpenAI base URL (`http://127.0.0.1:PORT/v1`)."""

    def __init__(self, script: Script = (), *, port: int = 0, repeat_last: bool = False) -> None:
        self.requests: list[Recorded] = []
        self.connections_opened = 0
        self._port = port
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task, asyncio.StreamWriter] = {}
        self._repeat_last = repeat_last
        self.set_script(script)

    def set_script(self, script: Script) -> None:
        """Replace what the next requests get."""
        self._script = script
        self._replies = iter(()) if callable(script) else iter(list(script))
        self._last: Reply | None = None

    @property
    def url(self) -> str:
        """Base URL for OpenAI clients."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def port(self) -> int:
        """The port it listens on."""
        assert self._server is not None, "not started"
        return self._server.sockets[0].getsockname()[1]

    async def start(self) -> ScriptedLLM:
        """Listen on loopback."""
        self._server = await asyncio.start_server(self._serve_connection, "127.0.0.1", self._port)
        return self

    async def stop(self) -> None:
        """Stop listening and drop open connections."""
        if self._server is not None:
            self._server.close()
            for writer in self._connections.values():
                writer.transport.abort()
            await asyncio.gather(*self._connections, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> ScriptedLLM:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        if callable(self._script):
            return self._script(body)
        reply = next(self._replies, None)
        if reply is None:
            if self._repeat_last and self._last is not None:
                return self._last
            return Reply.failure(500, "the script has no more replies")
        self._last = reply
        return reply

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.connections_opened += 1
        self._connections[task] = writer
        incoming: asyncio.Queue[tuple[str, str, bytes] | None] = asyncio.Queue()
        closed = asyncio.Event()
        reading = asyncio.create_task(self._read_requests(reader, incoming, closed))
        try:
            while (request := await incoming.get()) is not None:
                if not await self._serve_request(writer, *request, closed=closed):
                    break
        except ConnectionError:
            pass
        finally:
            del self._connections[task]
            reading.cancel()
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    @staticmethod
    async def _read_requests(
        reader: asyncio.StreamReader, incoming: asyncio.Queue[tuple[str, str, bytes] | None], closed: asyncio.Event
    ) -> None:
        """Parse requests as they arrive; the end of input (the client went away) sets `closed`."""
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {
                    k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                incoming.put_nowait((method, path, body))
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            closed.set()
            incoming.put_nowait(None)

    async def _serve_request(
        self, writer: asyncio.StreamWriter, method: str, path: str, body: bytes, *, closed: asyncio.Event
    ) -> bool:
        """Answer one request; False when the connection should close."""
        if method != "POST" or not path.rstrip("/").endswith("/chat/completions"):
            await self._send_json(writer, 404, {"error": {"message": f"no route {method} {path}"}})
            return True
        request = json.loads(body or b"{}")
        record = Recorded(body=request, received_at=time.perf_counter(), disconnected=closed)
        self.requests.append(record)
        reply = self._next_reply(request)
        if reply.status != 200:
            await self._send_json(writer, reply.status, {"error": {"message": reply.error, "type": "scripted"}})
            return True
        return await self._stream(writer, reply, record)

    @staticmethod
    async def _send_json(writer: asyncio.StreamWriter, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        head = f"HTTP/1.1 {status} Scripted\r\ncontent-type: application/json\r\ncontent-length: {len(data)}\r\n\r\n"
        writer.write(head.encode() + data)
        await writer.drain()

    async def _stream(self, writer: asyncio.StreamWriter, reply: Reply, record: Recorded) -> bool:
        """Play the reply's steps as a chunked SSE response; False if the connection ended with it."""
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
            b"transfer-encoding: chunked\r\n\r\n"
        )
        await writer.drain()
        if reply.first_chunk_delay:
            await self._wait(reply.first_chunk_delay, record)
        for event in _events(reply):
            if record.disconnected.is_set():
                return False
            if isinstance(event, Pause):
                await self._wait(event.seconds, record)
                continue
            if isinstance(event, Hang):
                await record.disconnected.wait()
                return False
            if isinstance(event, Cut):
                writer.transport.abort()
                return False
            if isinstance(event, Close):
                break
            if reply.chunk_delay and record.chunks_sent > 1:
                await self._wait(reply.chunk_delay, record)
                if record.disconnected.is_set():
                    return False
            writer.write(b"%x\r\n%s\r\n" % (len(event), event))
            await writer.drain()
            record.chunks_sent += 1
            if record.first_chunk_at is None:
                record.first_chunk_at = time.perf_counter()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        record.completed = True
        return True

    @staticmethod
    async def _wait(seconds: float, record: Recorded) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(record.disconnected.wait(), seconds)

    @classmethod
    @contextlib.contextmanager
    def in_thread(cls, script: Script = (), *, port: int = 0, repeat_last: bool = False) -> Iterator[ScriptedLLM]:
        """The server on its own event loop in a daemon thread, stopped when the block ends."""
        server = cls(script, port=port, repeat_last=repeat_last)
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="scripted-llm", daemon=True)
        thread.start()
        asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
        try:
            yield server
        finally:
            asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()


def main() -> None:
    """Serve one text answer for every request until interrupted (for manual runs and benchmarks)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--text", default="Hello from the scripted model.")
    parser.add_argument("--per-chunk", type=int, default=4, help="characters per streamed chunk")
    parser.add_argument("--first-chunk-delay", type=float, default=0.0)
    parser.add_argument("--chunk-delay", type=float, default=0.0)
    args = parser.parse_args()
    steps = (Text(args.text, per_chunk=args.per_chunk),)
    reply = Reply(steps=steps, first_chunk_delay=args.first_chunk_delay, chunk_delay=args.chunk_delay)

    async def serve() -> None:
        async with ScriptedLLM(lambda _body: reply, port=args.port):
            print(f"listening on http://127.0.0.1:{args.port}/v1", flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()
