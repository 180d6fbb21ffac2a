"""One answer while it is produced: model turns, tool rounds, then charts, sources, grounding and the stored end.

While text streams it is saved at least every `SAVE_INTERVAL` seconds; at the end the answer is stored with its
tool calls, charts, sources, usage, latency and the check of its numbers against the data. A turn the model did not
finish ends the answer with its text, charts and checks, and a status that says why (`cut_short_status`). Stop
keeps the partial text as `cancelled` (the write completes even if the task is cancelled again); failures keep it
as `error`. An answer taken up again (Continue) starts from its stored text and its earlier tool results.
Each model turn with its tool calls is a span of the answer's trace; tokens count in the metrics per model.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Coroutine, Sequence
from typing import Any

from data360_chat.assistant.charts import ChartSpec
from data360_chat.assistant.derived_numbers import Fact
from data360_chat.assistant.events import (
    AnswerDone,
    AnswerEvent,
    AnswerFailed,
    AnswerStatus,
    ChartReady,
    SourcesReady,
    TextDelta,
    ToolFinished,
    ToolStarted,
    UsageReported,
)
from data360_chat.assistant.grounding import Grounding, check_numbers, values_in
from data360_chat.assistant.llm import ModelError, TurnResult, model_routes, stream_turn
from data360_chat.assistant.overlay_charts import answer_charts
from data360_chat.assistant.sources import describe_indicator, sources_for
from data360_chat.assistant.store import AnswerStore
from data360_chat.assistant.tool_runs import ToolHub, ToolRun, assistant_message, execute, prepare, tool_message
from data360_chat.assistant.vega import vega_lite_to_plotly
from data360_chat.mcp_client.results import Observation, ToolResult
from data360_chat.observability import metrics
from data360_chat.observability.tracing import NO_SPAN, Span
from data360_chat.repositories import NotFound
from data360_chat.settings import Settings

log = logging.getLogger(__name__)

SAVE_INTERVAL = 2.0
FINISH_STATUSES: dict[str, AnswerStatus] = {"length": "too_long", "content_filter": "filtered"}
_final_writes: set[asyncio.Task] = set()


def cut_short_status(finish_reason: str | None) -> AnswerStatus | None:
    """How a turn that the model did not finish leaves the answer (None for a turn that ended normally): no finish
    reason at all is `cut_off`, `length` is `too_long`, `content_filter` is `filtered`."""
    if finish_reason is None:
        return "cut_off"
    return FINISH_STATUSES.get(finish_reason)


def _shielded(write: Coroutine[Any, Any, object]) -> asyncio.Future[object]:
    """Run a final write to the end even if the task awaiting it is cancelled again."""
    task = asyncio.ensure_future(write)
    _final_writes.add(task)
    task.add_done_callback(_final_writes.discard)
    return asyncio.shield(task)


class ProgressSaver:
    """Saves the growing text in the background, at most every `SAVE_INTERVAL` seconds, one save at a time."""

    def __init__(self, store: AnswerStore) -> None:
        self._store = store
        self._last = time.monotonic()
        self._task: asyncio.Task | None = None

    def offer(self, pieces: list[str]) -> None:
        """Save the text made of `pieces` if the last save is old enough and none is running."""
        now = time.monotonic()
        if now - self._last >= SAVE_INTERVAL and (self._task is None or self._task.done()):
            self._last = now
            self._task = asyncio.create_task(self._save("".join(pieces)))

    async def _save(self, content: str) -> None:
        try:
            await self._store.save_text(content)
        except NotFound:
            log.warning("an answer was deleted while it streamed")

    async def stop(self) -> None:
        """Wait for a save in flight so it cannot land after the final write."""
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task


class AnswerRun:
    """The state of one answer while it is produced."""

    def __init__(
        self,
        *,
        question: str,
        message_id: int,
        store: AnswerStore,
        hub: ToolHub,
        settings: Settings,
        messages: list[dict[str, Any]],
        started: float,
        span: Span = NO_SPAN,
        earlier_text: str = "",
        earlier_results: Sequence[ToolResult] = (),
        earlier_usage: tuple[int | None, int | None] = (0, 0),
    ) -> None:
        """`span`: the answer's span in its trace (the model turns, tool calls and writes go under it); `earlier_*`:
        the text, tool results and tokens of the answer being continued (nothing for a new one)."""
        self.question = question
        self.message_id = message_id
        self.store = store
        self.hub = hub
        self.settings = settings
        self.messages = messages
        self.started = started
        self.deadline = asyncio.get_running_loop().time() + settings.llm_answer_deadline
        self.pieces: list[str] = [earlier_text] if earlier_text else []
        self.continuing = bool(earlier_text)
        self.earlier_results = list(earlier_results)
        self.runs: list[ToolRun] = []
        self.prompt_tokens = earlier_usage[0] or 0
        self.completion_tokens = earlier_usage[1] or 0
        self.first_token_ms: int | None = None
        self.usage_known = None not in earlier_usage
        self.turn_open = False
        self.status: AnswerStatus = "complete"
        self.model = model_routes(settings)[0].model
        self.saver = ProgressSaver(store)
        self.span = span

    @property
    def text(self) -> str:
        """The answer so far."""
        return "".join(self.pieces)

    def latency_ms(self) -> int:
        """Milliseconds since the question was received."""
        return int((time.perf_counter() - self.started) * 1000)

    def remaining(self) -> float:
        """Seconds left before the answer's deadline."""
        return self.deadline - asyncio.get_running_loop().time()

    # --- the model and its tools ----------------------------------------------------------------------------

    async def stream(self) -> AsyncIterator[AnswerEvent]:
        """Model turns and tool rounds until the model answers; then charts, sources, usage and the end."""
        tools = self.hub.openai_tools()
        rounds = 0
        try:
            while True:
                limit_reached = rounds >= self.settings.max_tool_depth
                turn: TurnResult | None = None
                self.turn_open = True
                separate = bool(self.pieces) and not self.text[-1].isspace() and not self.continuing
                self.continuing = False  # the first turn of a continuation goes on from the last character
                with self.span.child("llm.round", round=rounds + 1) as round_span:
                    async for item in stream_turn(
                        self.messages,
                        tools=tools,
                        settings=self.settings,
                        deadline=self.deadline,
                        tool_choice="none" if limit_reached else None,
                    ):
                        if isinstance(item, TurnResult):
                            turn = item
                            continue
                        if separate:
                            separate = False
                            self.pieces.append("\n\n")
                            yield TextDelta("\n\n")
                        if self.first_token_ms is None:
                            self.first_token_ms = self.latency_ms()
                        self.pieces.append(item)
                        self.saver.offer(self.pieces)
                        yield TextDelta(item)
                    assert turn is not None
                    self._count_usage(turn, round_span)
                    cut_short = cut_short_status(turn.finish_reason)
                    if cut_short is not None:  # tool calls of an unfinished turn may be incomplete: none is run
                        self.status = cut_short
                        round_span.set(finish_reason=turn.finish_reason or "none")
                        break
                    if not turn.tool_calls:
                        break
                    if limit_reached:
                        raise ModelError(
                            f"The model kept asking for more data after {rounds} rounds of tool calls, "
                            "so the answer was stopped."
                        )
                    rounds += 1
                    async for event in self._run_tools(turn, round_span):
                        yield event
        except ModelError as exc:
            async for event in self.fail(str(exc)):
                yield event
            return
        async for event in self._complete():
            yield event

    def _count_usage(self, turn: TurnResult, span: Span) -> None:
        self.turn_open = False
        self.model = turn.model
        span.set(model=turn.model, time_to_first_token_ms=turn.first_chunk_ms, tool_calls=len(turn.tool_calls))
        span.content(text=turn.text)
        if turn.usage is None:
            self.usage_known = False
            return
        self.prompt_tokens += turn.usage[0]
        self.completion_tokens += turn.usage[1]
        span.set(prompt_tokens=turn.usage[0], completion_tokens=turn.usage[1])
        metrics.tokens_used(turn.model, prompt=turn.usage[0], completion=turn.usage[1])

    async def _run_tools(self, turn: TurnResult, span: Span) -> AsyncIterator[AnswerEvent]:
        """Run the turn's tool calls together; report each as it starts and finishes; feed results back."""
        runs = prepare(turn.tool_calls)
        self.runs.extend(runs)
        with span.child("db.tools_started"):
            await self.store.tools_started(runs)
        for run in runs:
            yield ToolStarted(run.call.call_id, run.row_id, run.call.name, run.arguments)
        timeout = min(self.settings.tool_timeout, self.remaining())
        tasks = {asyncio.create_task(self._run_tool(run, timeout, span)): run for run in runs}
        try:
            pending = set(tasks)
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    run = tasks[task]
                    task.result()
                    yield ToolFinished(run.call.call_id, run.row_id, run.call.name, run.ok, run.duration_ms, run.error)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        self.messages.append(assistant_message(turn.text, runs))
        self.messages.extend(tool_message(run, self.settings.tool_result_token_budget) for run in runs)

    async def _run_tool(self, run: ToolRun, timeout: float, parent: Span) -> None:  # noqa: ASYNC109
        """Run one call and store how it ended, as a span of the round that asked for it."""
        with parent.child("tool.call", tool=run.call.name) as span:
            span.content(arguments=run.call.arguments)
            await execute(run, self.hub, timeout)
            span.set(duration_ms=run.duration_ms, status="ok" if run.ok else "error")
            if not run.ok:
                span.failed(run.error or "the tool failed")
            with span.child("db.tool_finished"):
                await self.store.tool_finished(run)

    # --- the end ---------------------------------------------------------------------------------------------

    def _results(self, *, earlier: bool = True) -> list[ToolResult]:
        """Successful tool results of this run (and, with `earlier`, of the answer it continues)."""
        own = [run.result for run in self.runs if run.ok and run.result is not None]
        return [*self.earlier_results, *own] if earlier else own

    def _observations(self, *, earlier: bool = True) -> list[Observation]:
        return [o for result in self._results(earlier=earlier) for o in result.observations]

    def _viz_charts(self) -> list[ChartSpec]:
        """Charts from the Vega-Lite specs the model asked for (the MCP client loaded them)."""
        charts = []
        names = {o.indicator_id: o.indicator_name for o in self._observations()}
        for run in self.runs:
            spec = run.result.viz_spec if run.ok and run.result is not None else None
            if spec is None:
                continue
            indicator = str(run.arguments.get("indicator_id", ""))
            source = describe_indicator(indicator, names.get(indicator, ""), str(run.arguments.get("database_id", "")))
            chart = vega_lite_to_plotly(spec, source)
            if chart is not None:
                charts.append(chart)
        return charts

    def _charts(self) -> list[ChartSpec]:
        viz = self._viz_charts()
        covered = {chart.source.get("indicator_id") for chart in viz}
        observations = [o for o in self._observations(earlier=False) if o.indicator_id not in covered]
        return viz + answer_charts(observations)

    def _grounding(self, sources: list[dict[str, Any]]) -> Grounding:
        known: list[float | Fact] = [Fact(value, "in the question") for value in values_in(self.question)]
        for result in self._results():
            known.extend(values_in(result.data))
            known.extend(values_in(result.text))
        observations = self._observations()
        names = [o.country_name for o in observations]
        names += [s["name"] for s in sources] + [s["indicator_id"] for s in sources]
        return check_numbers(self.text, known, ignore=names, observations=observations)

    async def _complete(self) -> AsyncIterator[AnswerEvent]:
        await self.saver.stop()
        charts = self._charts()
        sources = sources_for(self._observations())
        grounding = self._grounding(sources)
        prompt, completion = self._usage()
        latency = self.latency_ms()
        self.span.content(answer=self.text)
        with self.span.child("db.complete", charts=len(charts)):
            chart_ids = await self.store.complete(
                charts,
                content=self.text,
                model=self.model,
                prompt_tokens=prompt,
                completion_tokens=completion,
                latency_ms=latency,
                first_token_ms=self.first_token_ms,
                grounded_share=grounding.share,
                numbers_checked=grounding.checked,
                number_checks=[check.as_json() for check in grounding.checks],
                sources=sources,
                status=self.status,
            )
        for chart, chart_id in zip(charts, chart_ids, strict=True):
            yield ChartReady(chart_id, chart.title, chart.figure, chart.source, chart.summary, chart.points)
        yield SourcesReady(sources)
        yield UsageReported(prompt, completion)
        checks = [check.as_json() for check in grounding.checks]
        yield AnswerDone(self.message_id, self.status, latency, grounding.share, grounding.ungrounded, checks)

    def _usage(self) -> tuple[int | None, int | None]:
        """Tokens of the whole answer; unknown when any turn ended (or was cut) without reporting them."""
        if not self.usage_known or self.turn_open:
            return None, None
        return self.prompt_tokens, self.completion_tokens

    async def fail(self, reason: str) -> AsyncIterator[AnswerEvent]:
        """End with an error: store the partial text and say what went wrong."""
        latency = await self._store_end("error", reason)
        prompt, completion = self._usage()
        yield AnswerFailed(reason)
        yield UsageReported(prompt, completion)
        yield AnswerDone(self.message_id, "error", latency, None, [])

    async def _store_end(self, status: AnswerStatus, error: str | None) -> int:
        """Store how an unfinished answer ended (partial text, unfinished tool calls closed); its latency."""
        await self.saver.stop()
        prompt, completion = self._usage()
        latency = self.latency_ms()
        self.span.content(answer=self.text)
        with self.span.child("db.end", status=status):
            await self.store.end(
                self.runs,
                content=self.text,
                status=status,
                error=error,
                model=self.model,
                prompt_tokens=prompt,
                completion_tokens=completion,
                latency_ms=latency,
                first_token_ms=self.first_token_ms,
            )
        return latency

    async def cancelled(self) -> None:
        """Stop: keep the partial text as `cancelled` (the write completes even if cancelled again)."""
        await _shielded(self._store_end("cancelled", None))
