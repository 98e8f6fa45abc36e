"""One form per complaint action; choices come from the module's tables (owners from the
views); the rules live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms_base import Form, coerce_id_or_none
from .models import ATTITUDES, CATEGORIES, CHANNELS, GRADES, KINDS, PROBLEM_TYPES


def _choices(mapping, blank=None) -> list[tuple[str, object]]:
    return ([("", blank)] if blank is not None else []) + list(mapping.items())


class ComplaintForm(Form):
    kind = SelectField(_l("类型"), choices=_choices(KINDS), default="complaint")
    channel = SelectField(_l("来源渠道"), choices=_choices(CHANNELS), default="phone")
    customer_id = HiddenField(filters=[coerce_id_or_none])
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=80)])
    phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=20)], render_kw={"inputmode": "tel"})
    other_phone = StringField(_l("其他电话"), validators=[Optional(), Length(max=20)], render_kw={"inputmode": "tel"})
    subject = StringField(_l("主题"), validators=[Optional(), Length(max=120)])
    category = SelectField(_l("投诉类别"), choices=_choices(CATEGORIES), default="service")
    problem_type = SelectField(_l("问题类型"), choices=_choices(PROBLEM_TYPES), default="other")
    grade = SelectField(_l("投诉等级"), choices=_choices(GRADES, _l("（咨询/建议不分级）")), default="")
    attitude = SelectField(_l("客户态度"), choices=_choices(ATTITUDES), default="calm")
    description = TextAreaField(
        _l("问题描述（邮件可整封粘贴）"), validators=[DataRequired(_l("请填写问题描述。")), Length(max=5000)]
    )
    owner_id = SelectField(_l("处理人"), coerce=coerce_id_or_none, choices=[], validate_choice=True)


class ActionForm(Form):
    action = HiddenField(validators=[InputRequired()])
    text = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])
    version = HiddenField()


class AssignForm(Form):
    owner_id = SelectField(
        _l("处理人"), coerce=coerce_id_or_none, choices=[], validators=[InputRequired(_l("请选择处理人。"))]
    )
    version = HiddenField()


class FeedbackForm(Form):
    satisfied = RadioField(
        _l("客户对处理结果"),
        choices=[("yes", _l("满意，结案")), ("no", _l("不满意，重新处理"))],
        validators=[InputRequired(_l("请选择客户意见。"))],
    )
    note = TextAreaField(_l("回访记录"), validators=[Optional(), Length(max=2000)])
    version = HiddenField()


class NoteForm(Form):
    body = TextAreaField(_l("处理记录"), validators=[DataRequired(_l("请填写内容。")), Length(max=2000)])
    is_public = BooleanField(_l("客户可在进度页看到"))


class PublicComplaintForm(Form):
    kind = SelectField(
        _l("您想"),
        choices=[("complaint", _l("投诉")), ("enquiry", _l("咨询")), ("feedback", _l("提建议/表扬"))],
        default="complaint",
    )
    contact_name = StringField(_l("您的称呼"), validators=[DataRequired(_l("请填写称呼。")), Length(max=80)])
    phone = StringField(
        _l("手机号"), validators=[DataRequired(_l("请填写手机号。")), Length(max=20)], render_kw={"inputmode": "tel"}
    )
    subject = StringField(_l("主题"), validators=[DataRequired(_l("请填写主题。")), Length(max=120)])
    description = TextAreaField(_l("详细说明"), validators=[DataRequired(_l("请填写详细说明。")), Length(max=5000)])
