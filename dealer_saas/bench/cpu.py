"""Where a phase's CPU went (Linux ``/proc``): the gunicorn processes, the RQ worker of a
run with ``--redis`` (its work horses included), PostgreSQL's processes on this machine, the
load driver itself, and the whole machine's busy and stolen time. Tells whether a phase at
c=50 was bound by the cores (the machine near 100 % busy) and what one request costs in
each process, figures a run on a shared or virtual machine keeps better than its req/s
(which follow the host's load). Elsewhere (no ``/proc``) every figure is absent, never
wrong."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_ticks(pid: int, *, waited_children: bool = False) -> int:
    """User plus system CPU ticks of one process (0 when it is gone); with
    ``waited_children``, also those of the children it has waited for (an RQ worker's
    finished work horses)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(fields[i]) for i in ((11, 12, 13, 14) if waited_children else (11, 12)))
    except (OSError, IndexError, ValueError):
        return 0


def _postgres_pids() -> list[int]:
    """PostgreSQL's processes on this machine (server, backends, writers): their command
    lines start with "postgres"."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().startswith(b"postgres"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _machine_ticks() -> tuple[int, int, int]:
    """(busy, stolen, all) ticks of every core since boot, from ``/proc/stat``."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    steal = values[7] if len(values) > 7 else 0
    total = sum(values[:8])
    return total - idle - steal, steal, total


@dataclass(frozen=True)
class Snapshot:
    at: float
    workers: dict[int, int]
    postgres: dict[int, int]
    driver: int
    machine: tuple[int, int, int]
    jobs: dict[int, int] = field(default_factory=dict)


def snapshot(server_pids: Sequence[int], job_pids: Sequence[int] = ()) -> Snapshot | None:
    """CPU ticks so far of the server's processes, the job worker's (``job_pids``: the
    worker first, then its running work horse), PostgreSQL's and this one."""
    if not Path("/proc/stat").exists():
        return None
    try:
        return Snapshot(
            at=time.monotonic(),
            workers={pid: _process_ticks(pid) for pid in server_pids},
            postgres={pid: _process_ticks(pid) for pid in _postgres_pids()},
            driver=_process_ticks(os.getpid()),
            machine=_machine_ticks(),
            jobs={pid: _process_ticks(pid, waited_children=n == 0) for n, pid in enumerate(job_pids)},
        )
    except (OSError, ValueError, IndexError):
        return None


def usage(before: Snapshot | None, after: Snapshot | None, requests: int) -> dict[str, Any]:
    """CPU ms per request in the workers, PostgreSQL and the driver; the cores the three
    kept busy and the machine's busy and stolen share over the phase. {} without /proc."""
    if before is None or after is None or requests <= 0:
        return {}
    seconds = max(after.at - before.at, 1e-6)
    # a backend started during the phase counts from zero, one that ended is not counted
    postgres = sum(ticks - before.postgres.get(pid, 0) for pid, ticks in after.postgres.items())
    # per process: a worker's Python runs on one core at a time (the GIL), and a keep-alive
    # connection stays with the worker that accepted it, so one busy worker can bound a phase
    per_worker = sorted((ticks - before.workers.get(pid, 0) for pid, ticks in after.workers.items()), reverse=True)
    spent = {"workers": sum(per_worker), "postgresql": postgres, "driver": after.driver - before.driver}
    if after.jobs or before.jobs:
        # all of them, not per process: a work horse that ended during the phase took its
        # ticks (counted before) into the worker's children's ticks (counted after)
        spent["jobs"] = max(0, sum(after.jobs.values()) - sum(before.jobs.values()))
    busy, steal, total = (a - b for a, b in zip(after.machine, before.machine, strict=True))
    total = max(total, 1)
    return {
        **{f"{name}_ms_per_request": round(ticks / _TICK * 1000 / requests, 2) for name, ticks in spent.items()},
        "cores_busy": round(sum(spent.values()) / _TICK / seconds, 2),
        # the master and a worker no connection reached round to nothing and are left out
        "worker_cores": [c for c in (round(ticks / _TICK / seconds, 2) for ticks in per_worker) if c > 0],
        "machine_busy_pct": round(100 * busy / total, 1),
        "machine_steal_pct": round(100 * steal / total, 1),
    }


def describe(figures: dict[str, Any]) -> str:
    """One line for the run's output ("" without figures)."""
    if not figures:
        return ""
    return (
        f"CPU per request: workers {figures['workers_ms_per_request']:.1f} ms, "
        + (f"jobs {figures['jobs_ms_per_request']:.1f} ms, " if "jobs_ms_per_request" in figures else "")
        + f"PostgreSQL {figures['postgresql_ms_per_request']:.1f} ms, driver {figures['driver_ms_per_request']:.1f} ms; "
        f"{figures['cores_busy']:.2f} cores busy (machine {figures['machine_busy_pct']:.0f} % busy, "
        f"{figures['machine_steal_pct']:.0f} % stolen by the host); cores per worker "
        f"{', '.join(f'{c:.2f}' for c in figures.get('worker_cores', []))}"
    )
