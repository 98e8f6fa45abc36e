"""Where complaints meet the care module's call-backs (both modules plug in here, through
each other's registration points; neither writes the other's rows):

- the ``complaint_closed`` call-back rule: a call 7 days after a complaint is closed (a care
  rule whose occasion source reads closed complaints);
- an agent who records "complaint raised" on a call-back goes to the complaint intake with
  the customer filled in;
- a low survey score set to "call-back" creates the care task through the care service.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l

from ..care import rules
from ..care.services import tasks as care_tasks
from ..surveys import services as survey_services
from ..timeutil import local, utcnow


def _complaint_closed(w: rules.Window) -> tuple[str, dict[str, Any]]:
    d = w.dialect
    sql = f"""
        SELECT c.customer_id AS customer_id, {rules.NULL_INT} AS vehicle_id,
               'c' || {d.text("c.id")} AS occasion,
               {d.add_days(d.local_day("c.closed_at"), w.offset)} AS due_on
        FROM complaints c
        WHERE c.store_id = :store AND c.status = 'closed' AND c.customer_id IS NOT NULL
          AND c.closed_at >= :src_from AND c.closed_at < :src_to"""
    return sql, rules._instants(w)


rules.register_rule(
    rules.Rule(
        "complaint_closed",
        _l("投诉结案后回访"),
        _complaint_closed,
        (7,),
        _l("投诉结案后第几天"),
        assignee="pool",
        order=80,
        describe=lambda n: _l("投诉结案后 %(n)s 天", n=n),
    )
)


def _none(w: rules.Window) -> tuple[str, dict[str, Any]]:
    """Low-score call-backs are made when the answer comes in (below), not by the job."""
    return (
        f"SELECT customer_id, {rules.NULL_INT} AS vehicle_id, '' AS occasion, CAST(NULL AS date) AS due_on "
        "FROM complaints WHERE 1 = 0",
        {},
    )


rules.register_rule(
    rules.Rule(
        "low_score",
        _l("调查低分回访"),
        _none,
        (0,),
        _l("收到低分当天（由满意度调查设置决定是否回访）"),
        assignee="pool",
        order=90,
        offset_max=0,
        describe=lambda n: _l("调查低分"),
    )
)


def _intake_url(task: Any) -> str | None:
    """The complaint intake for the task's customer (the agent is on the phone with them)."""
    return url_for("complaints.complaint_new", customer_id=task.customer_id)


care_tasks.register_complaint_intake(_intake_url)


def _callback_for_low_score(invitation: Any) -> Any:
    """A call-back task for a low survey score, due today, once per invitation."""
    from sqlalchemy import select

    from ..care.models import CallbackTask
    from ..extensions import db

    occasion = f"s{invitation.id}"
    existing = db.session.execute(
        select(CallbackTask).where(CallbackTask.rule == "low_score", CallbackTask.occasion == occasion)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    today: dt.date = local(utcnow()).date()
    return care_tasks.add_task(rule="low_score", customer_id=invitation.customer_id, occasion=occasion, due_on=today)


survey_services.CALLBACK_HOOK = _callback_for_low_score
