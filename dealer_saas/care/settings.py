"""The care module's store settings: each call-back rule on/off, its offsets and who gets
the calls; how many unanswered calls close a task. Rules registered by other modules
(``rules.register_rule``) appear here without a change."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from .. import settings
from ..domain import DomainError
from ..forms_base import setting_int
from ..registry import SettingsSection
from . import rules

KEY = "care_rules"
#: unanswered calls before a task closes as "no answer"
NO_ANSWER_DEFAULT, NO_ANSWER_MAX = 3, 10
MAX_OFFSETS = 3


@dataclass(frozen=True)
class RuleSetting:
    code: str
    enabled: bool
    offsets: tuple[int, ...]
    assignee: str


def _offsets(value: Any, rule: rules.Rule) -> tuple[int, ...] | None:
    """Offsets from the stored list (or the typed "3, 30"); None when any is junk."""
    if isinstance(value, str):
        value = [p for p in value.replace("，", ",").split(",") if p.strip()]
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_OFFSETS:
        return None
    out: list[int] = []
    for item in value:
        try:
            n = int(str(item).strip())
        except ValueError:
            return None
        if not rule.offset_min <= n <= rule.offset_max:
            return None
        if n not in out:
            out.append(n)
    return tuple(out)


def rule_settings(store: Any) -> dict[str, RuleSetting]:
    """Every registered rule's effective setting in ``store`` (defaults for junk)."""
    stored = settings.section(store, KEY)
    out: dict[str, RuleSetting] = {}
    for rule in rules.ordered():
        mine = stored.get(rule.code)
        mine = mine if isinstance(mine, dict) else {}
        enabled = mine.get("enabled")
        assignee = mine.get("assignee")
        out[rule.code] = RuleSetting(
            rule.code,
            enabled if isinstance(enabled, bool) else rule.enabled,
            _offsets(mine.get("offsets"), rule) or rule.offsets,
            assignee if assignee in rules.ASSIGNEE_POLICIES else rule.assignee,
        )
    return out


def no_answer_limit(store: Any) -> int:
    value = settings.int_or(settings.section(store, KEY).get("no_answer_limit"), NO_ANSWER_DEFAULT, minimum=1)
    return value if value <= NO_ANSWER_MAX else NO_ANSWER_DEFAULT


def _load(store: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"care_no_answer_limit": no_answer_limit(store)}
    for code, s in rule_settings(store).items():
        values[f"care_{code}_enabled"] = s.enabled
        values[f"care_{code}_offsets"] = ", ".join(str(n) for n in s.offsets)
        values[f"care_{code}_assignee"] = s.assignee
    return values


def _save(new: dict[str, Any], data: Mapping[str, Any]) -> None:
    stored: dict[str, Any] = {}
    stored["no_answer_limit"] = settings.submitted_int(
        data.get("care_no_answer_limit"), "care_no_answer_limit", 1, NO_ANSWER_MAX
    )
    for rule in rules.ordered():
        field = f"care_{rule.code}_offsets"
        offsets = _offsets(str(data.get(field) or ""), rule)
        if offsets is None:
            raise DomainError(
                _(
                    "请填写 1 到 %(n)s 个 %(a)s 到 %(b)s 之间的整数，用逗号分隔。",
                    n=MAX_OFFSETS,
                    a=rule.offset_min,
                    b=rule.offset_max,
                ),
                field,
            )
        assignee = data.get(f"care_{rule.code}_assignee")
        if assignee not in rules.ASSIGNEE_POLICIES:
            raise DomainError(_("选项无效。"), f"care_{rule.code}_assignee")
        stored[rule.code] = {
            "enabled": bool(data.get(f"care_{rule.code}_enabled")),
            "offsets": list(offsets),
            "assignee": assignee,
        }
    new[KEY] = stored


class _RuleFields(Mapping):
    """The settings screen's fields, read from the rules registered when the form is built."""

    def _fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"care_no_answer_limit": setting_int(_l("未接通几次后结束回访"), 1, NO_ANSWER_MAX)}
        for rule in rules.ordered():
            fields[f"care_{rule.code}_enabled"] = BooleanField(_l("启用：%(r)s", r=rule.label))
            fields[f"care_{rule.code}_offsets"] = StringField(
                rule.offset_label,
                validators=[InputRequired(_l("请填写")), Length(max=40)],
                render_kw={"inputmode": "numeric", "maxlength": 40},
            )
            fields[f"care_{rule.code}_assignee"] = SelectField(
                _l("分配：%(r)s", r=rule.label),
                choices=[(k, str(v)) for k, v in rules.ASSIGNEE_POLICIES.items()],
            )
        return fields

    def __getitem__(self, key: str) -> Any:
        return self._fields()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields())

    def __len__(self) -> int:
        return len(self._fields())


RULES_SECTION = SettingsSection(
    KEY,
    _l("回访规则"),
    fields=_RuleFields(),
    load=_load,
    save=_save,
    permission="care.settings",
    column="col-12 col-md-4",
    order=50,
)
