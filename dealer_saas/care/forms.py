"""Forms of the care screens: one call's outcome, and the supervisor's bulk change."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DateTimeLocalField, HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..forms_base import Form, coerce_id, coerce_id_or_none
from .models import OUTCOMES


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
