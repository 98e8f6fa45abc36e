"""The surveys module's services, one file per aggregate: ``templates`` (the editor),
``dispatch`` (due rows and sends), ``responses`` (answers and scores), ``report`` (CSI/NPS).

:func:`low_score_action` is the named hook a low score goes through: by the store's setting
it opens a complaint (the complaints module's service) or a call-back task. The call-back
belongs to the care module (another branch): its service is wired into
:data:`CALLBACK_HOOK` when the modules meet; until then a call-back setting opens a
complaint, so no low score is left without a follow-up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: ``hook(invitation) -> Any``: creates the care module's call-back task for a low score
CALLBACK_HOOK: Callable[[Any], Any] | None = None


def low_score_action(invitation: Any, rules: Any) -> str:
    """Follow a low score up as the store set it; returns what was done ("complaint",
    "callback" or "none")."""
    if rules.low_action == "none":
        return "none"
    if rules.low_action == "callback" and CALLBACK_HOOK is not None:
        CALLBACK_HOOK(invitation)
        return "callback"
    open_complaint_for(invitation)
    return "complaint"


def open_complaint_for(invitation: Any) -> Any:
    """A complaint from a low-scored survey (channel "survey"; grade B for the lowest
    scores, C otherwise), once per invitation."""
    from flask_babel import gettext as _
    from sqlalchemy import select

    from ...complaints.models import Complaint
    from ...complaints.services import cases
    from ...extensions import db
    from .responses import answers_text

    existing = db.session.execute(
        select(Complaint).where(Complaint.survey_invitation_id == invitation.id)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    lowest = min((a.score for a in invitation.answers if a.score is not None), default=None)
    worst = invitation.nps is not None and invitation.nps <= 3 or lowest is not None and lowest <= 1
    template = invitation.template
    return cases.create_complaint(
        {
            "kind": "complaint",
            "customer_id": invitation.customer_id,
            "subject": _("满意度调查低分：%(t)s", t=template.name)[:120],
            "category": "sales" if template.kind == "ssi" else "service",
            "problem_type": "other",
            "grade": "B" if worst else "C",
            "attitude": "unhappy",
            "description": answers_text(invitation),
        },
        channel="survey",
        survey_invitation_id=invitation.id,
    )
