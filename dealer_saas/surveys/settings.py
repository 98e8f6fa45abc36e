"""The surveys module's store settings: what counts as a low score, what a low score opens
(a complaint, or a call-back task of the care module), and how many invitations a store
sends per minute (the dispatch job's throttle)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField

from .. import settings
from ..domain import DomainError
from ..forms_base import setting_int
from ..registry import SettingsSection

LOW_ACTIONS = {"complaint": _l("自动生成投诉"), "callback": _l("自动生成回访任务"), "none": _l("不处理")}

#: field -> (default, minimum, maximum)
_LIMITS: dict[str, tuple[int, int, int]] = {
    "low_score_10": (6, 0, 9),
    "low_score_5": (3, 1, 4),
    "per_minute": (200, 1, 10000),
}


@dataclass(frozen=True)
class SurveyRules:
    low_score_10: int = 6
    low_score_5: int = 3
    low_action: str = "complaint"
    per_minute: int = 200

    def is_low(self, kind: str, score: int) -> bool:
        """A score at or below the threshold of its scale."""
        return score <= (self.low_score_10 if kind == "score10" else self.low_score_5)


def rules(store: Any) -> SurveyRules:
    """The store's survey rules (defaults: <= 6 of 10, <= 3 of 5, a complaint, 200 a minute)."""
    stored = settings.section(store, "surveys")
    values: dict[str, Any] = settings.stored_ints(stored, _LIMITS)
    action = stored.get("low_action")
    values["low_action"] = action if action in LOW_ACTIONS else "complaint"
    return SurveyRules(**values)


def _save(new: dict[str, Any], data: Mapping[str, Any]) -> None:
    values: dict[str, Any] = settings.submitted_ints(data, _LIMITS, "surveys_")
    action = data.get("surveys_low_action")
    if action not in LOW_ACTIONS:
        raise DomainError(_("选项无效。"), "surveys_low_action")
    values["low_action"] = action
    new["surveys"] = values


def _load(store: Any) -> dict[str, Any]:
    current = rules(store)
    return {f"surveys_{name}": getattr(current, name) for name in (*_LIMITS, "low_action")}


def _int_field(label: Any, name: str) -> IntegerField:
    _default, low, high = _LIMITS[name]
    return setting_int(label, low, high)


SURVEY_SECTION = SettingsSection(
    "surveys",
    _l("满意度调查"),
    fields={
        "surveys_low_score_10": _int_field(_l("低分线（0-10 分制，含）"), "low_score_10"),
        "surveys_low_score_5": _int_field(_l("低分线（1-5 分制，含）"), "low_score_5"),
        "surveys_low_action": SelectField(_l("低分时"), choices=list(LOW_ACTIONS.items()), default="complaint"),
        "surveys_per_minute": _int_field(_l("每分钟最多发送"), "per_minute"),
    },
    load=_load,
    save=_save,
    permission="surveys.manage",
    column="col-6 col-md-3",
    order=70,
)
