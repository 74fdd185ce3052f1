"""The second query thread is used only when the other processes leave a core spare."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sotay.index.model import spare_cores
from sotay.index.model.spare_cores import Reading, choose_threads, others_busy_cores

pytestmark = pytest.mark.skipif(not Path("/proc/stat").exists(), reason="reads Linux's /proc/stat")


def _reading() -> Reading:
    reading = spare_cores._read()
    assert reading is not None
    return reading


def _stat_text(busy: int, idle: int, running: int, cpus: int = 2) -> str:
    """A /proc/stat as Linux writes it (user nice system idle iowait irq softirq steal guest guest_nice)."""
    per_cpu = "".join(f"cpu{i} {busy // cpus} 0 0 {idle // cpus} 0 0 0 0 0 0\n" for i in range(cpus))
    return (f"cpu  {busy} 0 0 {idle} 0 0 0 0 0 0\n{per_cpu}intr 1 0\nctxt 5\nbtime 1\nprocesses 9\n"
            f"procs_running {running}\nprocs_blocked 0\n")


def test_the_machines_own_stat_is_read() -> None:
    reading = _reading()
    assert reading.cpus == os.cpu_count()
    assert 0 < reading.busy < reading.total and reading.running >= 1  # this test itself is running


def test_cores_held_by_other_processes_mean_one_thread() -> None:
    """With one busy process per core beside it, the others are seen busy and one thread is chosen."""
    cores = os.cpu_count() or 1
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(max(cores, 2))]
    try:
        time.sleep(0.3)  # the hogs are running
        before = _reading()
        time.sleep(1.0)
        after = _reading()
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert others_busy_cores(before, after) >= cores - 0.5
    assert choose_threads(before, after, max(cores, 2)) == 1


def test_this_processs_own_work_is_not_counted_as_others() -> None:
    """Work of this process (the question's own threads) does not make the cores look taken."""
    own_s = 100 / os.sysconf("SC_CLK_TCK")  # 100 ticks of CPU
    before = Reading.parse(_stat_text(busy=1000, idle=1000, running=1), own=10.0, at=100.0)
    after = Reading.parse(_stat_text(busy=1100, idle=1100, running=1), own=10.0 + own_s, at=101.0)
    assert others_busy_cores(before, after) == pytest.approx(0.0)  # the 100 busy ticks were all this process's
    assert choose_threads(before, after, 2) == 2
    others = Reading.parse(_stat_text(busy=1100, idle=1100, running=1), own=10.0, at=101.0)
    assert others_busy_cores(before, others) == pytest.approx(1.0)  # the same ticks spent by another process


def test_a_busy_window_or_a_crowded_instant_after_a_quiet_spell_mean_one_thread() -> None:
    quiet = Reading.parse(_stat_text(busy=1000, idle=1000, running=1), own=0.0, at=0.0)
    idle_minute = Reading.parse(_stat_text(busy=1100, idle=12900, running=1), own=0.0, at=60.0)
    half_busy = Reading.parse(_stat_text(busy=1100, idle=1100, running=1), own=0.0, at=1.0)  # 1 of 2 cores busy
    crowded_now = Reading.parse(_stat_text(busy=1100, idle=12900, running=4), own=0.0, at=60.0)
    assert choose_threads(quiet, idle_minute, 2) == 2
    assert choose_threads(quiet, half_busy, 2) == 1
    assert choose_threads(quiet, crowded_now, 2) == 1  # three others runnable now: the minute's average is stale
    assert choose_threads(quiet, idle_minute, 1) == 1  # one core: never two threads


def test_a_file_that_is_not_proc_stat_is_refused() -> None:
    with pytest.raises(ValueError):
        Reading.parse("intr 1 0\nprocs_running 1\n", own=0.0, at=0.0)
