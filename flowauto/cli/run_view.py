"""How `flowauto run --follow` shows a run: a live table of its steps on a terminal, one plain
line per change anywhere else (pipes, CI logs, files), so the output stays greppable."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TextIO

from rich.console import Console, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from flowauto.cli.run_follow import RunView
from flowauto.cli.run_progress import Change, RunChange, RunProgress, StepChange, StepProgress
from flowauto.domain.run import RunStatus, TaskStatus

_SYMBOLS = {
    TaskStatus.SUCCESS.value: ("✓", "green"),
    TaskStatus.FAILED.value: ("✗", "red"),
    TaskStatus.CANCELED.value: ("■", "yellow"),
    TaskStatus.SKIPPED.value: ("↷", "dim"),
    TaskStatus.BLOCKED.value: ("‖", "magenta"),
    TaskStatus.SCHEDULED.value: ("·", "dim"),
    TaskStatus.PENDING.value: ("·", "dim"),
}
_RUN_STYLES = {
    RunStatus.SUCCESS.value: "green",
    RunStatus.FAILED.value: "red",
    RunStatus.CANCELED.value: "yellow",
}


@contextmanager
def open_run_view(progress: RunProgress, console: Console | None = None) -> Iterator[RunView]:
    """The live table when standard output is a terminal that can redraw, plain lines else."""
    console = console or Console()
    if console.is_terminal and not console.is_dumb_terminal:
        with LiveRunView(progress, console) as view:
            yield view
    else:
        yield PlainRunView(progress, sys.stdout)


class PlainRunView(RunView):
    def __init__(self, progress: RunProgress, out: TextIO) -> None:
        self._progress = progress
        self._out = out

    def show(self, change: Change) -> None:
        # Flushed per line: a pipe reader (tee, a CI log) sees each change as it happens.
        print(self._line(change), file=self._out, flush=True)

    def _line(self, change: Change) -> str:
        if isinstance(change, RunChange):
            line = f"run {self._progress.run_id}: {change.status}"
            if self._progress.ended and self._progress.duration_ms is not None:
                line += f" in {format_duration(self._progress.duration_ms)}"
            return f"{line}: {change.reason}" if change.reason else line
        step = change.step
        if isinstance(change, StepChange):
            line = f"{_step_name(step)}: {_step_status(step)}"
            if step.ended and step.duration_ms is not None:
                line += f" in {format_duration(step.duration_ms)}"
            return f"{line}: {step.reason}" if step.reason else line
        return f"{_step_name(step)} log: {change.message}"


class LiveRunView(RunView):
    def __init__(self, progress: RunProgress, console: Console) -> None:
        self._progress = progress
        self._console = console
        self._started = time.monotonic()
        self._spinners: dict[str, Spinner] = {}
        self._live = Live(console=console, get_renderable=self._table, refresh_per_second=8)

    def __enter__(self) -> LiveRunView:
        self._live.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._live.stop()

    def show(self, change: Change) -> None:
        if not isinstance(change, RunChange | StepChange):
            # Logs scroll above the table, which stays at the bottom.
            self._console.print(Text(f"{_step_name(change.step)}: {change.message}", style="dim"))
        self._live.refresh()

    def _table(self) -> Table:
        table = Table(title=self._title(), title_justify="left", expand=False)
        for header in ("", "step", "title", "status", "time", "reason"):
            table.add_column(header, overflow="fold" if header == "reason" else "ellipsis")
        for step in self._progress.steps.values():
            duration = step.duration_ms
            table.add_row(
                self._symbol(step),
                step.key,
                step.title,
                _step_status(step),
                "" if duration is None else format_duration(duration),
                Text(step.reason, style="red" if step.status == TaskStatus.FAILED else ""),
            )
        return table

    def _title(self) -> Text:
        progress = self._progress
        elapsed_ms = int((time.monotonic() - self._started) * 1000)
        if progress.ended and progress.duration_ms is not None:
            elapsed_ms = progress.duration_ms
        title = Text(f"run {progress.run_id} ")
        title.append(progress.status, style=_RUN_STYLES.get(progress.status, "cyan"))
        title.append(f" {format_duration(elapsed_ms)}")
        if progress.reason:
            title.append(f": {progress.reason}", style="red")
        return title

    def _symbol(self, step: StepProgress) -> RenderableType:
        if step.status == TaskStatus.RUNNING:
            # One spinner per step: a new one each frame would never leave its first frame.
            return self._spinners.setdefault(step.key, Spinner("dots", style="cyan"))
        symbol, style = _SYMBOLS.get(step.status, ("?", ""))
        return Text(symbol, style=style)


def format_duration(milliseconds: int) -> str:
    if milliseconds < 1000:
        return f"{milliseconds} ms"
    if milliseconds < 60_000:
        return f"{milliseconds / 1000:.1f} s"
    minutes, seconds = divmod(milliseconds // 1000, 60)
    return f"{minutes} min {seconds} s"


def _step_name(step: StepProgress) -> str:
    return f'step {step.key} "{step.title}"' if step.title else f"step {step.key}"


def _step_status(step: StepProgress) -> str:
    return step.status if step.attempt <= 1 else f"{step.status} (attempt {step.attempt})"
