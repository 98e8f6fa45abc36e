"""Gunicorn configuration for ``flask bench run`` (``-c python:dealer_saas.bench.gunicorn_hooks``).

Each worker wraps the app in a middleware that counts the SQL statements a request sends
(``before_cursor_execute`` on every engine, per thread) and reports them in the
``X-Bench-SQL`` response header. Nothing of it is in the app: production runs without it.
"""

from __future__ import annotations

import threading

_local = threading.local()


def _count(conn, cursor, statement, parameters, context, executemany) -> None:
    _local.statements = getattr(_local, "statements", 0) + 1


class CountingMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        _local.statements = 0

        def counted_start_response(status, headers, exc_info=None):
            headers = list(headers) + [("X-Bench-SQL", str(getattr(_local, "statements", 0)))]
            return start_response(status, headers, exc_info)

        return self.app(environ, counted_start_response)


def post_worker_init(worker) -> None:
    import sqlalchemy as sa

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", _count)
    worker.wsgi = CountingMiddleware(worker.wsgi)
