"""A progress bar on stderr for long replays (rich; only when stderr is a terminal)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def replay_progress(events: int, jobs: int) -> Iterator[Callable[[int, int], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("replaying"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} events/s"), TimeElapsedColumn(),
    )
    # No refresh thread: --jobs forks worker processes, and forking a threaded process is unsafe.
    with Progress(*columns, transient=True, auto_refresh=False) as bar:
        # With --jobs the workers replay unseen; the bar shows the milestone pass, then completes.
        task = bar.add_task("replay", total=events, rate="…")

        def advance(done: int, total: int) -> None:
            elapsed = bar.tasks[0].elapsed or 0.0
            rate = f"{done / elapsed:,.0f}" if elapsed > 0 else "…"
            bar.update(task, completed=done, total=total, rate=rate)
            bar.refresh()

        yield advance
        bar.update(task, completed=bar.tasks[0].total)
