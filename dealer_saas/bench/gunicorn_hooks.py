"""Gunicorn configuration for ``flask bench run`` (``-c python:dealer_saas.bench.gunicorn_hooks``).

Each worker wraps the app in a middleware that counts the SQL statements a request sends
(``before_cursor_execute`` on every engine, per thread) and reports them in the
``X-Bench-SQL`` response header, and those SQLAlchemy compiled afresh (a miss in the
engine's compiled cache, which a request normally finds warm) in ``X-Bench-Compiled``, and
the milliseconds the process spent in garbage collections while the request ran in
``X-Bench-GC`` (``gc.callbacks``; a collection stops every thread, so at a concurrency above
1 a request also counts the collections another thread set off). Nothing of it is in the
app: production runs without it.
"""

from __future__ import annotations

import gc
import threading
import time

from sqlalchemy.engine.default import CACHE_MISS

_local = threading.local()
#: the process's garbage collections so far: [milliseconds spent, start of the running one]
_collected = [0.0, 0.0]


def _time_collection(phase: str, info: dict) -> None:
    if phase == "start":
        _collected[1] = time.perf_counter()
    else:
        _collected[0] += (time.perf_counter() - _collected[1]) * 1000


def _count(conn, cursor, statement, parameters, context, executemany) -> None:
    _local.statements = getattr(_local, "statements", 0) + 1
    if context is not None and getattr(context, "cache_hit", None) is CACHE_MISS:
        _local.compiled = getattr(_local, "compiled", 0) + 1


class CountingMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        _local.statements = _local.compiled = 0
        collected_before = _collected[0]

        def counted_start_response(status, headers, exc_info=None):
            headers = list(headers) + [
                ("X-Bench-SQL", str(getattr(_local, "statements", 0))),
                ("X-Bench-Compiled", str(getattr(_local, "compiled", 0))),
                ("X-Bench-GC", f"{_collected[0] - collected_before:.2f}"),
            ]
            return start_response(status, headers, exc_info)

        return self.app(environ, counted_start_response)


def post_worker_init(worker) -> None:
    import sqlalchemy as sa

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", _count)
    gc.callbacks.append(_time_collection)
    worker.wsgi = CountingMiddleware(worker.wsgi)
