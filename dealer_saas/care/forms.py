"""Forms of the care screens: one call's outcome, the supervisor's bulk change, and the duty roster."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DateTimeLocalField, HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..forms_base import Form, coerce_id, coerce_id_or_none
from .models import DUTY_KINDS, OUTCOMES, WEEKDAYS


class OutcomeForm(Form):
    """One tap: the outcome button pressed; "call again" also takes a time."""

    outcome = SelectField(
        _l("回访结果"),
        choices=[(k, str(v)) for k, v in OUTCOMES.items()],
        validators=[DataRequired(_l("请选择回访结果。"))],
    )
    call_at = DateTimeLocalField(_l("再次联系时间"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200)], render_kw={"maxlength": 200})
    version = HiddenField()


BULK_ACTIONS = {"reassign": _l("改派给"), "reschedule": _l("改期到")}


class BulkForm(Form):
    """The supervisor's change to the ticked tasks: another agent, or another day."""

    task_ids = SelectMultipleField(_l("任务"), coerce=coerce_id, validate_choice=False)
    action = SelectField(_l("操作"), choices=[(k, str(v)) for k, v in BULK_ACTIONS.items()])
    assignee_id = SelectField(_l("回访专员"), coerce=coerce_id_or_none, validate_choice=False)
    due_on = DateField(_l("计划日期"), validators=[Optional()])


class WeekForm(Form):
    """One agent's week on the roster: the days worked (one form per agent, prefixed)."""

    days = SelectMultipleField(_l("值班日"), choices=[(k, str(v)) for k, v in WEEKDAYS.items()], coerce=int)


class DutyExceptionForm(Form):
    """A leave or an extra day of one agent on one date."""

    user_id = SelectField(_l("回访专员"), coerce=coerce_id, validate_choice=False)
    day = DateField(_l("日期"), validators=[DataRequired(_l("请选择日期。"))])
    kind = SelectField(_l("安排"), choices=[(k, str(v)) for k, v in DUTY_KINDS.items()])
    note = StringField(_l("说明"), validators=[Optional(), Length(max=60)], render_kw={"maxlength": 60})


class RemoveForm(Form):
    """A bare POST (the CSRF token): take a roster exception back."""
