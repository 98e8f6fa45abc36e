"""The customer 360 shows complaints and answered surveys; the dashboard tiles count open
complaints by state and the low survey scores to review."""

from __future__ import annotations

from dealer_saas import tenancy
from dealer_saas.complaints import tiles as complaint_tiles
from dealer_saas.complaints.services import cases
from dealer_saas.customers.timeline import timeline
from dealer_saas.extensions import db
from dealer_saas.permissions import BUILTIN_ROLES
from dealer_saas.surveys import tiles as survey_tiles
from dealer_saas.surveys.services import dispatch, responses
from dealer_saas.surveys.services.templates import seed_starter_templates


def test_the_360_timeline_and_the_tiles(w):
    care = BUILTIN_ROLES["care_agent"].permissions
    with tenancy.enter(w.store.id, user_id=w.care.id, permissions=care):
        complaint = cases.create_complaint(
            {"kind": "complaint", "subject": "空调异味", "grade": "C", "description": "d", "customer_id": w.customer.id}
        )
        cases.create_complaint({"kind": "enquiry", "subject": "咨询保养", "description": "d"})
        seed_starter_templates()
        from sqlalchemy import select

        from dealer_saas.surveys.models import SurveyTemplate

        nps = db.session.execute(select(SurveyTemplate).where(SurveyTemplate.code == "NPS")).scalar_one()
        invitation = dispatch.invite_now(nps.id, w.customer.id, "t:1")
        invitation.status = "sent"
        db.session.flush()
        answers = {
            f"q{q.id}": "3" if q.kind == "score10" else q.choices[:1] for q in responses.questions_of(invitation)
        }
        responses.answer(invitation.id, answers)  # 3 of 10 is low: a second complaint opens
        entries, _more = timeline([w.customer.id])
        kinds = [e.kind for e in entries]
        assert kinds.count("complaint") == 2 and kinds.count("survey") == 1
        assert any(complaint.number in e.title for e in entries)
        tile = complaint_tiles.open_complaints()
        assert tile.value == "3" and dict(tile.rows)["已受理登记"] == 3 and tile.tone == "danger"
        review = survey_tiles.surveys_to_review()
        assert review.value == "1" and review.tone == "danger"
    with tenancy.enter(w.store.id, user_id=w.advisor.id, permissions=frozenset({"customers.view"})):
        assert [e for e in timeline([w.customer.id])[0] if e.kind in ("complaint", "survey")] == []
