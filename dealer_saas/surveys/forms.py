"""The surveys module's forms: the template editor, a question, and the public answer form
(its answers are named after the questions, ``q<id>``, and checked by the service)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms_base import Form, bounded_int
from .models import KINDS, QUESTION_KINDS, TRIGGERS
from .services.templates import MAX_DELAY_HOURS


class TemplateForm(Form):
    code = StringField(_l("代码"), validators=[DataRequired(_l("请填写代码。")), Length(max=30)])
    name = StringField(_l("名称"), validators=[DataRequired(_l("请填写名称。")), Length(max=120)])
    kind = SelectField(_l("类型"), choices=list(KINDS.items()), default="csi")
    trigger = SelectField(_l("自动发送"), choices=list(TRIGGERS.items()), default="ro_closed")
    delay_hours = bounded_int(_l("延迟（小时）"), 0, MAX_DELAY_HOURS, required=_l("请填写延迟小时数。"), default=24)
    message = StringField(_l("短信开头"), validators=[Optional(), Length(max=300)])
    is_active = BooleanField(_l("启用"), default=True)
    version = HiddenField()


class QuestionForm(Form):
    kind = SelectField(_l("题型"), choices=list(QUESTION_KINDS.items()), default="score5")
    text = StringField(_l("问题"), validators=[DataRequired(_l("请填写问题。")), Length(max=200)])
    choices = TextAreaField(_l("选项（每行一个）"), validators=[Optional(), Length(max=1000)])
    is_required = BooleanField(_l("必答"), default=True)


class AnswerForm(Form):
    """The public page's form: the CSRF token; the answers come as ``q<question id>``."""
