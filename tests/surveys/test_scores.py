"""CSI and NPS figures on known answers: per store, per staff member, per month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dealer_saas import tenancy
from dealer_saas.extensions import db
from dealer_saas.surveys.services import dispatch, report, responses
from dealer_saas.timeutil import utcnow

from .. import factories


def _answer(w, template, staff, score5: int | None, score10: int | None, n: int, answered_at: dt.datetime):
    invitation = dispatch.invite_now(template.id, w.customer.id, f"k:{n}", staff_id=staff.id)
    invitation.status = "sent"
    db.session.flush()
    data = {}
    for q in responses.questions_of(invitation):
        if q.kind == "score5" and score5 is not None:
            data[f"q{q.id}"] = str(score5)
        elif q.kind == "score10" and score10 is not None:
            data[f"q{q.id}"] = str(score10)
        elif q.kind == "single":
            data[f"q{q.id}"] = q.choices[0]
    responses.answer(invitation.id, data)
    invitation.answered_at = answered_at
    db.session.flush()
    return invitation


def test_csi_is_the_mean_percentage_and_nps_promoters_minus_detractors(w):
    w.store.settings = {"surveys": {"low_action": "none"}}
    db.session.flush()
    other_advisor = factories.user_with_role("service_advisor", w.store)
    now = utcnow()
    with tenancy.enter(w.store.id):
        # advisor: all 5s with 10 (100 %), all 4s with 9 (80 % of the 5s, 90 % -> mean 82.5 %)
        a = _answer(w, w.csi, w.advisor, 5, 10, 1, now - dt.timedelta(days=1))
        b = _answer(w, w.csi, w.advisor, 4, 9, 2, now - dt.timedelta(days=1))
        # other advisor: all 2s with 6 (40 %, 60 % -> 45 %), all 3s with 7 (60 %, 70 % -> 62.5 %)
        c = _answer(w, w.csi, other_advisor, 2, 6, 3, now - dt.timedelta(days=40))
        d = _answer(w, w.csi, other_advisor, 3, 7, 4, now - dt.timedelta(days=40))
        assert (a.score_pct, b.score_pct, c.score_pct, d.score_pct) == (
            Decimal("100.0"),
            Decimal("82.5"),
            Decimal("45.0"),
            Decimal("62.5"),
        )
        since, until = now - dt.timedelta(days=365), now + dt.timedelta(days=1)
        (store_row,) = report.scores(since, until, group="store")
        assert store_row.label == w.store.name and store_row.answered == 4
        assert store_row.csi == Decimal("72.5")  # (100 + 82.5 + 45 + 62.5) / 4
        # promoters 10, 9; detractors 6; passive 7 -> (2 - 1) / 4 = 25 points
        assert (store_row.promoters, store_row.detractors, store_row.nps_answers) == (2, 1, 4)
        assert store_row.nps == Decimal("25.0")
        by_staff = {r.label: r for r in report.scores(since, until, group="staff")}
        assert by_staff[w.advisor.name].csi == Decimal("91.3") and by_staff[w.advisor.name].nps == Decimal("100.0")
        assert by_staff[other_advisor.name].csi == Decimal("53.8") and by_staff[other_advisor.name].nps == Decimal(
            "-50.0"
        )
        months = report.scores(since, until, group="month")
        assert [r.answered for r in months] == ([2, 2] if len(months) == 2 else [4])
        # the period bounds: the last 30 days only hold the first advisor's two
        (recent,) = report.scores(now - dt.timedelta(days=30), until, group="store")
        assert recent.answered == 2 and recent.nps == Decimal("100.0")
        assert report.scores(since, until, group="store", kind="ssi") == []
        assert report.sent_and_answered(since, until) == (0, 0)  # invite_now rows carry no sent time


def test_the_rollup_counts_every_store_and_a_store_only_its_own(w):
    w.store.settings = {"surveys": {"low_action": "none"}}
    second = factories.StoreFactory(organisation=w.store.organisation)
    now = utcnow()
    with tenancy.enter(w.store.id):
        _answer(w, w.csi, w.advisor, 5, 10, 1, now)
    other_customer = factories.CustomerFactory(store=second)
    advisor2 = factories.user_with_role("service_advisor", second)
    with tenancy.enter(second.id):
        inv = dispatch.invite_now(w.csi.id, other_customer.id, "k:s2", staff_id=advisor2.id)
        inv.status = "sent"
        db.session.flush()
        data = {
            f"q{q.id}": "1" if q.kind == "score5" else ("0" if q.kind == "score10" else "")
            for q in responses.questions_of(inv)
        }
        responses.answer(inv.id, data)
    since, until = now - dt.timedelta(days=1), now + dt.timedelta(days=1)
    with tenancy.enter(w.store.id):
        assert [r.answered for r in report.scores(since, until)] == [1]
    rollup = tenancy.TenantContext(
        org_id=w.store.org_id, store_id=None, store_ids=(w.store.id, second.id), permissions=frozenset({"surveys.view"})
    )
    with tenancy.use(rollup):
        rows = {r.label: r for r in report.scores(since, until)}
    assert rows[w.store.name].nps == Decimal("100.0") and rows[second.name].nps == Decimal("-100.0")
