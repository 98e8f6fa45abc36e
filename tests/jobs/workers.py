"""Real RQ workers (and the scheduler) as processes, against a PostgreSQL database of their
own and a Redis server the test owns, for fault tests: kill -9 a worker in the middle of a
job (the worker and its work horse, the real process tree), restart Redis during a run.

Use the ``live_stack`` fixture (import it into your area's ``conftest.py``, and mark the
tests ``redis`` and ``no_db``: the rows must be committed for another process to see them)::

    # tests/<area>/conftest.py
    from ..jobs.workers import live_stack  # noqa: F401

    # tests/<area>/test_faults.py
    pytestmark = [pytest.mark.redis, pytest.mark.no_db]

    def test_x(live_stack):
        with live_stack.context():
            ...  # arrange rows, commit
        worker = live_stack.worker(CARE_BATCH_SIZE="5")
        live_stack.enqueue("care.generate_callbacks", store_id, "2026-12-01")
        live_stack.wait_for(lambda: ..., "the job to be half-way")
        assert live_stack.kill(worker)  # the worker, its work horse and RQ's scheduler
        live_stack.worker()  # takes the dead worker's job over by itself
        live_stack.wait_for(lambda: ..., "the job to finish")

The tests skip unless ``DATABASE_URL`` names a PostgreSQL server and ``REDIS_URL`` is set
(CI sets both), and ``redis-server`` is installed (the test starts its own on a free port,
so restarting it disturbs no one).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: a worker's heartbeat every second; a job whose heartbeat is 4 s late belongs to a dead
#: worker and the next maintenance (every second) runs it again: recovery within ~6 s
FAST_RECOVERY = {"JOBS_HEARTBEAT_INTERVAL": "1", "JOBS_HEARTBEAT_GRACE": "4", "JOBS_MAINTENANCE_INTERVAL": "1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie nobody reaped yet counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (read from /proc), deepest first."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found[::-1]


@dataclass
class RedisServer:
    """A ``redis-server`` without persistence on a port of its own: a restart loses all."""

    port: int
    workdir: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 10
        while time.time() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """Gone at once, nothing saved (``shutdown nosave`` would do the same)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self, down_for: float = 1.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()


@dataclass
class LiveStack:
    app: Any
    database_url: str
    redis: RedisServer
    logs: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ, DATABASE_URL=self.database_url, REDIS_URL=self.redis.url, FLASK_APP="wsgi")
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}-{len(self.processes)}.log", "w")  # noqa: SIM115 - closed at teardown
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() takes the work horse too
        )
        process.log_file = log  # type: ignore[attr-defined]
        self.processes.append(process)
        return process

    def worker(self, **env: str) -> subprocess.Popen:
        """A ``flask worker`` on every queue (with RQ's scheduler for retries), which takes
        over a dead worker's job within seconds (``FAST_RECOVERY``, unless ``env`` says)."""
        return self._spawn("worker", ["worker"], self.env(**{**FAST_RECOVERY, **env}))

    def scheduler(self, interval: float = 2.0, **env: str) -> subprocess.Popen:
        return self._spawn("scheduler", ["scheduler", "--interval", str(interval)], self.env(**env))

    def kill(self, process: subprocess.Popen) -> list[int]:
        """kill -9 the worker and every process below it: the work horse running the job
        (RQ starts it in a process group of its own, so killing the worker's group alone
        would leave it running) and RQ's scheduler. Returns once all of them are dead, with
        the pids of the processes below the worker (empty: there was no horse to kill)."""
        below = _descendants(process.pid)
        for pid in [*below, process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        deadline = time.time() + 10
        while any(_alive(pid) for pid in below):
            if time.time() > deadline:
                raise AssertionError(f"processes {[p for p in below if _alive(p)]} survived kill -9")
            time.sleep(0.05)
        return below

    @contextlib.contextmanager
    def context(self) -> Iterator[None]:
        """This process's app on the same database and Redis (arrange, enqueue, inspect)."""
        from dealer_saas import tenancy
        from dealer_saas.extensions import db

        with self.app.app_context(), tenancy.system():
            try:
                yield
            finally:
                db.session.remove()

    def enqueue(self, kind: str, store_id: int | None, period: str | None = None, **kwargs: Any) -> str:
        from dealer_saas.jobs.queue import enqueue
        from dealer_saas.jobs.scheduler import job_id_for

        with self.context():
            job_id = job_id_for(kind, store_id, period or "now")
            enqueue(kind, store_id, period, job_id=job_id, unique=True, **kwargs)
        return job_id

    def scalar(self, sql: str, **params: Any) -> Any:
        import sqlalchemy as sa

        from dealer_saas.extensions import db

        with self.context():
            return db.session.execute(sa.text(sql), params).scalar()

    def runs(self, job_id: str) -> list[tuple[int, str]]:
        """(attempt, outcome) of every recorded run of one RQ job, oldest first."""
        import sqlalchemy as sa

        from dealer_saas.extensions import db

        with self.context():
            rows = db.session.execute(
                sa.text("SELECT attempt, outcome FROM job_runs WHERE job_id = :j ORDER BY id"), {"j": job_id}
            ).all()
        return [(attempt, outcome) for attempt, outcome in rows]

    def assert_died_mid_job(self, count: Callable[[], int], job_id: str, settle: float = 1.5) -> int:
        """Right after ``kill``: the job's rows (``count()``) stop growing and its one run
        stays "running", never ok: the work horse really died in the middle. Returns the count."""
        before = count()
        time.sleep(settle)
        after = count()
        assert after == before, f"rows grew from {before} to {after} after the kill: the work horse survived"
        assert self.runs(job_id) == [(1, "running")], self.runs(job_id)
        return after

    def wait_for(self, predicate: Callable[[], Any], what: str, timeout: float = 90.0, every: float = 0.2) -> Any:
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(every)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; logs in {self.logs}\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        out = []
        for path in sorted(self.logs.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(out)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill(process)
            process.log_file.close()  # type: ignore[attr-defined]


@pytest.fixture
def live_stack(tmp_path) -> Iterator[LiveStack]:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        pytest.skip("the worker fault tests need PostgreSQL (DATABASE_URL)")
    if not os.environ.get("REDIS_URL"):
        pytest.skip("the worker fault tests need Redis (REDIS_URL)")
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    from dealer_saas import create_app
    from dealer_saas.dbsetup import setup_database
    from dealer_saas.extensions import db

    from ..conftest import _postgres_database

    url, drop = _postgres_database(base)
    redis = RedisServer(_free_port(), tmp_path)
    redis.start()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis.url, "SERVER_NAME": "localhost"})
    with app.app_context():
        setup_database()
        db.session.remove()
    logs = tmp_path / "logs"
    logs.mkdir()
    stack = LiveStack(app, url, redis, logs)
    try:
        yield stack
    finally:
        stack.stop_all()
        redis.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()
