"""The embedded default runs the periodic jobs unattended: ``flask demo`` starts the
scheduler loop in a daemon thread (``jobs.embedded``), inside an app context, and an
unexpected error never stops it for good."""

from __future__ import annotations

import threading

from flask import current_app

from dealer_saas.jobs.embedded import start_scheduler_thread
from dealer_saas.jobs.queue import is_embedded


def test_the_thread_runs_the_loop_in_an_app_context_and_starts_it_again_after_an_error(app):
    calls: list[tuple[float, str]] = []
    done = threading.Event()

    def loop(interval: float) -> None:
        calls.append((interval, current_app.name))
        if len(calls) == 1:
            raise RuntimeError("a tick failed for a reason nobody foresaw")
        done.set()  # the second run returns: the thread ends

    thread = start_scheduler_thread(app, 60.0, loop=loop, retry_after=0.01)
    assert done.wait(10) and thread.daemon
    thread.join(10)
    assert not thread.is_alive()
    assert calls == [(60.0, app.name), (60.0, app.name)]


def test_demo_serves_with_the_scheduler_unless_told_not_to(app, monkeypatch):
    started: list[object] = []
    served: list[object] = []
    monkeypatch.setattr("dealer_saas.jobs.embedded.start_scheduler_thread", lambda a, *k, **kw: started.append(a))
    monkeypatch.setattr("werkzeug.serving.run_simple", lambda host, port, a, **kw: served.append((host, port, a)))
    monkeypatch.setattr("dealer_saas.demo.run", lambda: [])
    monkeypatch.setattr("dealer_saas.cli.setup_database", lambda: None)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--port", "5999"])
    assert result.exit_code == 0, result.output
    assert started == [app] and served == [("127.0.0.1", 5999, app)]
    assert ("run in this process" if is_embedded(app) else "on the RQ workers") in result.output
    result = runner.invoke(args=["demo", "--no-scheduler"])
    assert result.exit_code == 0, result.output
    assert started == [app] and len(served) == 2 and "flask --app wsgi scheduler" in result.output
