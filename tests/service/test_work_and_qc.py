"""The technician's start/pause/finish (actual time per line), the line table, and the
quality check by someone other than the line's technician with rework counted."""

from __future__ import annotations

import datetime as dt

import pytest

from dealer_saas.extensions import db
from dealer_saas.service.models import LINE_STATUSES
from dealer_saas.service.services import work
from dealer_saas.service.services.rules import LINE_MOVES, ServiceError, ServiceTransitionError

from ..conftest import login
from . import factories as sf

LINE_ACTIONS = {"start": {"pending", "paused"}, "pause": {"working"}, "finish": {"working"}}
QC_FROM = {"pass": {"done"}, "fail": {"done"}}


class Clock:
    def __init__(self, monkeypatch):
        self.now = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
        monkeypatch.setattr(work, "utcnow", lambda: self.now)

    def advance(self, minutes: int) -> None:
        self.now += dt.timedelta(minutes=minutes)


def test_start_pause_finish_records_the_actual_time(w, in_store, monkeypatch):
    clock = Clock(monkeypatch)
    order = sf.ro(w, status="open")
    line = order.lines[0]
    with in_store(w.tech):
        work.work_on_line(line.id, "start")
        clock.advance(25)
        work.work_on_line(line.id, "pause")
        clock.advance(60)  # lunch: not counted
        work.work_on_line(line.id, "start")
        clock.advance(20)
        work.work_on_line(line.id, "finish")
    assert line.status == "done" and line.actual_minutes == 45 and str(line.actual_hours) == "0.75"
    assert line.work_started_at is None and order.status == "quality_check"


@pytest.mark.parametrize(
    ("state", "action"), [(s, a) for a, legal in LINE_ACTIONS.items() for s in LINE_STATUSES if s not in legal]
)
def test_every_illegal_work_move_is_refused(w, in_store, state, action):
    order = sf.ro(w, status="in_progress")
    line = order.lines[0]
    line.status = state
    with in_store(w.tech), pytest.raises(ServiceTransitionError):
        work.work_on_line(line.id, action)
    assert line.status == state


@pytest.mark.parametrize(
    ("state", "action"), [(s, a) for a, legal in QC_FROM.items() for s in LINE_STATUSES if s not in legal]
)
def test_every_illegal_check_is_refused(w, in_store, state, action):
    order = sf.ro(w, status="in_progress")
    line = order.lines[0]
    line.status = state
    with in_store(w.advisor), pytest.raises(ServiceTransitionError):
        work.check_line(line.id, action, "原因")


def test_the_line_table():
    assert {s: set(LINE_MOVES.allowed(s)) for s in LINE_STATUSES} == {
        "pending": {"working"},
        "paused": {"working"},
        "working": {"paused", "done"},
        "done": {"passed", "pending"},
        "passed": set(),
    }


def test_another_technicians_line_cannot_be_worked(w, in_store):
    order = sf.ro(w, status="open")
    with in_store(w.tech2), pytest.raises(ServiceError):
        work.work_on_line(order.lines[0].id, "start")
    assert order.lines[0].status == "pending"


def test_an_unassigned_line_is_taken_by_whoever_starts_it(w, in_store):
    order = sf.ro(w, status="open")
    line = order.lines[0]
    line.technician_id = None
    with in_store(w.tech2):
        work.work_on_line(line.id, "start")
    assert line.technician_id == w.tech2.id


def test_quality_check_by_the_lines_own_technician_is_refused(w, in_store):
    order = sf.ro(w, status="quality_check")
    with in_store(w.tech), pytest.raises(ServiceError) as refused:
        work.check_line(order.lines[0].id, "pass")
    assert "施工技师以外" in str(refused.value)
    assert order.lines[0].status == "done" and order.status == "quality_check"


def test_failing_sends_the_line_back_as_rework_and_counts_it(w, in_store):
    order = sf.ro(w, status="quality_check", lines=2)
    first, second = order.lines
    with in_store(w.tech2):  # another technician may check
        work.check_line(second.id, "pass")
        assert order.status == "quality_check"
        with pytest.raises(ServiceError) as no_note:
            work.check_line(first.id, "fail", " ")
        assert no_note.value.field == "note"
        work.check_line(first.id, "fail", "螺丝未拧紧")
    assert (first.status, first.rework_count, first.qc_note, first.qc_by_id) == ("pending", 1, "螺丝未拧紧", w.tech2.id)
    assert order.status == "in_progress"
    with in_store(w.tech):
        work.work_on_line(first.id, "start")
        work.work_on_line(first.id, "finish")
    assert order.status == "quality_check"
    with in_store(w.advisor):
        work.check_line(first.id, "fail", "仍有异响")
    assert first.rework_count == 2
    with in_store(w.tech):
        work.work_on_line(first.id, "start")
        work.work_on_line(first.id, "finish")
    with in_store(w.advisor):
        work.check_line(first.id, "pass")
    assert order.status == "ready" and order.ready_at is not None and first.rework_count == 2


def test_my_lines_are_mine_and_on_live_orders(w, in_store):
    mine = sf.ro(w, status="in_progress")
    sf.ro(w, status="ready")  # passed lines: done with
    theirs = sf.ro(w, status="open")
    theirs.lines[0].technician_id = w.tech2.id
    with in_store(w.tech):
        assert [line.id for line in work.my_lines().lines] == [mine.lines[0].id]


def test_my_lines_are_cut_in_the_database_and_the_running_ones_stay(w, in_store):
    waiting = sf.ro(w, status="open", lines=3)  # the oldest lines: three waiting
    done = sf.ro(w, status="quality_check")
    running = sf.ro(w, status="in_progress", lines=2)  # the newest, and the ones at work
    with in_store(w.tech):
        mine = work.my_lines(limit=3)
        assert [line.id for line in mine.lines] == [*(ln.id for ln in running.lines), waiting.lines[0].id]
        assert mine.total == 6 and mine.hidden == 3
        everything = work.my_lines()
        assert everything.hidden == 0 and everything.lines[-1].id == done.lines[0].id


def test_the_technicians_view_says_how_many_lines_it_does_not_show(w, app, monkeypatch):
    for _n in range(3):
        sf.ro(w, status="open")
    db.session.commit()
    monkeypatch.setattr(work, "MY_LINES_LIMIT", 2)
    body = login(app.test_client(), w.tech, w.store).get("/service/my-work").get_data(as_text=True)
    assert body.count('data-testid="my-line-') == 2 and "另有 1 项未显示" in body


def test_the_board_groups_by_state_and_flags_overdue(w, in_store):
    late = sf.ro(w, status="in_progress")
    late.promised_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ready = sf.ro(w, status="ready")
    ready.promised_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)  # ready: not overdue
    sf.ro(w, status="closed")
    with in_store(w.advisor):
        columns = work.board()
    assert list(columns) == ["open", "in_progress", "quality_check", "ready"]
    assert [(c.id, c.is_overdue, c.technicians) for c in columns["in_progress"]] == [(late.id, True, [w.tech.name])]
    assert [(c.id, c.is_overdue) for c in columns["ready"]] == [(ready.id, False)]


def test_a_boards_card_names_each_technician_once_by_name(w, in_store):
    shared = sf.ro(w, status="in_progress", lines=3)  # two lines by tech, one by tech2
    shared.lines[1].technician_id = w.tech2.id
    alone = sf.ro(w, status="in_progress", lines=2)
    for line in alone.lines:
        line.technician_id = None  # not assigned yet
    db.session.flush()
    with in_store(w.advisor):
        cards = {c.id: c for c in work.board()["in_progress"]}
    assert cards[shared.id].technicians == sorted([w.tech.name, w.tech2.name])
    assert cards[shared.id].technician_names == "、".join(sorted([w.tech.name, w.tech2.name]))
    assert cards[alone.id].technicians == [] and cards[alone.id].technician_names == ""


def test_the_board_lists_the_soonest_promised_first_and_the_unpromised_last(w, in_store):
    now = dt.datetime.now(dt.UTC)
    unpromised = sf.ro(w, status="open")
    later = sf.ro(w, status="open")
    later.promised_at = now + dt.timedelta(hours=3)
    sooner = sf.ro(w, status="open")
    sooner.promised_at = now + dt.timedelta(hours=1)
    sf.ro(w, status="settled").promised_at = now  # off the board
    with in_store(w.advisor):
        columns = work.board()
    assert [c.id for c in columns["open"]] == [sooner.id, later.id, unpromised.id]
    assert all(not c.technicians or c.technicians == [w.tech.name] for c in columns["open"])


def test_the_boards_condition_is_its_states():
    """The partial indexes and the query say the board's states as SQL text: the same ones."""
    from dealer_saas.service.models import BOARD_STATES, BOARD_WHERE

    assert BOARD_WHERE == "status IN (" + ", ".join(f"'{s}'" for s in BOARD_STATES) + ")"
