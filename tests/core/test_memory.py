"""A worker freezes what it has built once warm: out of the collector's sight, after the
response has gone out."""

import gc

from flask import Flask

from dealer_saas import memory


def test_a_worker_freezes_after_its_warm_up_requests_once_the_response_is_sent():
    app = Flask(__name__)
    app.add_url_rule("/", "index", lambda: "ok")
    memory.freeze_when_warm(app, after=(2, 4))
    client = app.test_client()
    seen = []
    try:
        gc.unfreeze()
        for _ in range(5):
            with client.get("/") as response:  # the server closes the response once sent
                assert response.status_code == 200 and response.text == "ok"
                frozen_before_close = gc.get_freeze_count() > 0
            assert not frozen_before_close
            seen.append(gc.get_freeze_count() > 0)
            gc.unfreeze()  # each request's own mark, the test process is not left frozen
        assert seen == [False, True, False, True, False]
    finally:
        gc.unfreeze()


def test_freeze_collects_garbage_first_and_hides_what_lives_on():
    class Node:
        pass

    gc.unfreeze()
    try:
        cycle = Node()
        cycle.self = cycle
        del cycle  # garbage only a collection frees: it must not be frozen for ever
        kept = Node()
        memory.freeze()
        assert gc.get_freeze_count() > 0
        assert not any(isinstance(o, Node) for o in gc.get_objects())  # kept is frozen, the cycle freed
        assert kept is not None
    finally:
        gc.unfreeze()
