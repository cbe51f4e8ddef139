"""The benchmark's account of where CPU time went."""

import os
import time

from bench.processes import cpu_seconds_of, machine_cpu_seconds


def burn(seconds: float) -> float:
    """Keep a core busy for `seconds` of this process's CPU time; how much it took."""
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
    return time.process_time() - start


def test_a_process_cpu_time_counts_its_own_work():
    before = cpu_seconds_of(os.getpid())
    burned = burn(0.3)
    assert abs(cpu_seconds_of(os.getpid()) - before - burned) < 0.05


def test_the_machine_counts_that_work_as_busy_among_all_its_cores_time():
    busy_before, every_before = machine_cpu_seconds()
    burn(0.3)
    busy, every = machine_cpu_seconds()
    assert busy - busy_before >= 0.25
    assert every - every_before >= busy - busy_before
