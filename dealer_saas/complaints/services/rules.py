"""The complaint's errors and its one state table."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...domain import DomainError, InvalidTransition, StaleEdit, Transitions
from ..models import STATUSES


class ComplaintError(DomainError):
    """A complaint rule refused the action."""


class ComplaintTransitionError(ComplaintError, InvalidTransition):
    """A move the complaint's table does not allow."""


class ComplaintStale(ComplaintError, StaleEdit):
    """Someone else saved the complaint first."""


#: received -> accepted -> investigating -> resolved -> closed, or rejected (explained to the
#: customer) before it is resolved. ``close`` and ``reopen`` follow the customer's word on the
#: resolution (``cases.record_satisfaction``): satisfied closes, unsatisfied reopens.
COMPLAINT_MOVES = Transitions(
    labels=STATUSES,
    actions={
        ("received", "accept"): "accepted",
        ("received", "reject"): "rejected",
        ("accepted", "investigate"): "investigating",
        ("accepted", "reject"): "rejected",
        ("investigating", "resolve"): "resolved",
        ("investigating", "reject"): "rejected",
        ("resolved", "close"): "closed",
        ("resolved", "reopen"): "investigating",
    },
    action_labels={
        "accept": _l("接手处理"),
        "investigate": _l("开始调查"),
        "resolve": _l("登记解决方案"),
        "reject": _l("判定不成立"),
        "close": _l("结案"),
        "reopen": _l("重新处理"),
    },
    audit_fields=("accepted_at", "resolved_at", "closed_at", "satisfaction", "reopen_count"),
    error=ComplaintTransitionError,
    stale=ComplaintStale,
)
#: the buttons of the detail page (close and reopen come from the feedback form)
PAGE_ACTIONS = ("accept", "investigate")
