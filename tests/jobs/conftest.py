"""Helpers to declare throw-away job kinds and to build real RQ queues on fakeredis."""

from __future__ import annotations

import fakeredis
import pytest
from rq import Queue
from rq.serializers import JSONSerializer

from dealer_saas.jobs import JOB_KINDS, job


@pytest.fixture
def declare():
    """``declare("tests.x", fn, cadence="hourly")``: a job kind removed after the test."""
    added: list[str] = []

    def make(name, fn, **options):
        job(name, **options)(fn)
        added.append(name)
        return JOB_KINDS[name]

    yield make
    for name in added:
        JOB_KINDS.pop(name, None)


@pytest.fixture
def fake_server():
    return fakeredis.FakeServer()


@pytest.fixture
def fake_queues(fake_server):
    """A real (asynchronous) RQ queue per name on one in-memory Redis server; each call of
    ``connect()`` is another client of the same server (another scheduler process)."""

    def connect():
        connection = fakeredis.FakeStrictRedis(server=fake_server)
        queues: dict[str, Queue] = {}

        def queue_for(kind):
            if kind.queue not in queues:
                queues[kind.queue] = Queue(kind.queue, connection=connection, is_async=True, serializer=JSONSerializer)
            return queues[kind.queue]

        queue_for.connection = connection  # type: ignore[attr-defined]
        return queue_for

    return connect
