"""The garbage collector in a long-running worker process.

A worker holds some 400 000 long-lived objects after start-up (modules, models, the
translation catalogues) and tens of thousands more after its first requests (compiled
templates, SQLAlchemy's statement caches, lazily imported modules). CPython's full
collection walks every one of them: 160-200 ms on the benchmark machine, with every thread
of the worker stopped, and it comes round every few hundred requests. Frozen objects are
out of the collector's sight (``gc.freeze``), so a full collection walks only what
requests leave behind (about 3 ms).

So a worker freezes twice: once the app is built (``wsgi.py``), and again when its first
requests have built what it keeps (:func:`freeze_when_warm`). The second freeze runs after
the response has been sent, so no request waits for it.
"""

from __future__ import annotations

import gc
import itertools

from flask import Flask, Response

#: a worker's requests after which what it has built so far is frozen (the first freeze
#: after the warm-up, the second after the rarer pages have been opened)
FREEZE_AFTER_REQUESTS = (200, 2000)


def freeze() -> None:
    """Collect what is already garbage (a frozen cycle is never freed), then freeze the
    rest: from here on the collector ignores it."""
    gc.collect()
    gc.freeze()


def freeze_when_warm(app: Flask, after: tuple[int, ...] = FREEZE_AFTER_REQUESTS) -> None:
    """Freeze again after the ``after``-th requests of this process (counted over all its
    threads), once that response has gone out."""
    counter = itertools.count(1)  # next() on it is atomic under the GIL
    marks = frozenset(after)

    @app.after_request
    def _freeze_when_warm(response: Response) -> Response:
        if next(counter) in marks:
            response.call_on_close(freeze)
        return response
