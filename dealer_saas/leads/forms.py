"""Forms of the visit log and the follow-up cards (choices are filled in by the views)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..customers.models import SOURCES
from ..forms_base import Form, bounded_int, coerce_id_or_none, money_field
from .models import CONTACT_CHANNELS, INTENT_LEVELS, PAYMENT_METHODS, VISIT_KINDS

_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def level_choices(blank=None):
    choices = [(code, code) for code in INTENT_LEVELS]
    return ([("", blank)] if blank else []) + choices


class VisitForm(Form):
    kind = RadioField(_l("类型"), choices=list(VISIT_KINDS.items()), default="walk_in")
    mobile = StringField(_l("手机号"), validators=[Length(max=30)])
    name = StringField(_l("姓名"), validators=[Length(max=80)])
    party_size = bounded_int(_l("人数"), 1, 50, default=1)
    model_id = RadioField(_l("意向车型"), coerce=coerce_id_or_none, default=None, validate_choice=False)
    intended_model = StringField(_l("其他车型"), validators=[Length(max=80)])
    #: follows the kind (到店/来电) until the user picks another one (static/js/visit_form.js);
    #: a post without it takes the kind (the service checks the value)
    source = SelectField(_l("来源"), choices=list(SOURCES.items()), default="", validate_choice=False)
    consultant_id = SelectField(_l("接待顾问"), coerce=coerce_id_or_none, validate_choice=False)
    #: shown only to a user who may leave an H or A card unassigned (services.UNASSIGNED_NEEDS)
    allow_unassigned = BooleanField(_l("暂不分配（经理确认）"))
    time_in = DateTimeLocalField(_l("到店时间"), format=_DATETIME_FORMATS, validators=[Optional()])
    time_out = DateTimeLocalField(_l("离店时间"), format=_DATETIME_FORMATS, validators=[Optional()])
    wants_test_drive = BooleanField(_l("试乘试驾"))
    summary = TextAreaField(_l("接待摘要"), validators=[Length(max=2000)])
    card_level = RadioField(_l("开意向跟进卡"), choices=level_choices(_l("不开卡")), default="")


class RosterForm(Form):
    """Today's duty roster: the consultants ticked, in the order given (the views read the
    ``on_duty`` and ``position_<id>`` fields of the post)."""


class CardForm(Form):
    level = RadioField(_l("意向级别"), choices=level_choices(), default="C")
    model_id = SelectField(_l("意向车型"), coerce=coerce_id_or_none, validate_choice=False)
    intended_model = StringField(_l("车型说明"), validators=[Length(max=80)])
    intended_trim = StringField(_l("配置"), validators=[Length(max=80)])
    intended_colour = StringField(_l("颜色"), validators=[Length(max=30)])
    budget = money_field(_l("预算（元）"), max=100_000_000)
    payment_method = SelectField(_l("付款方式"), choices=list(PAYMENT_METHODS.items()), default="cash")
    competitor_models = StringField(_l("对比竞品"), validators=[Length(max=200)])
    source = SelectField(_l("来源"), choices=list(SOURCES.items()), default="walk_in")
    consultant_id = SelectField(_l("销售顾问"), coerce=coerce_id_or_none, validate_choice=False)
    next_contact_on = DateField(_l("下次跟进日期"), validators=[Optional()])
    version = HiddenField()


class ContactForm(Form):
    channel = RadioField(_l("方式"), choices=list(CONTACT_CHANNELS.items()), default="phone")
    content = TextAreaField(_l("跟进内容"), validators=[DataRequired(_l("请填写跟进内容。")), Length(max=2000)])
    objections = StringField(_l("客户顾虑"), validators=[Length(max=300)])
    next_step = StringField(_l("下一步"), validators=[Length(max=300)])
    level = RadioField(_l("调整级别"), choices=level_choices(_l("不变")), default="")
    next_contact_on = DateField(_l("下次跟进（可改）"), validators=[Optional()])
    #: which fragment answers an htmx post: the card page or a "my day" row
    ctx = HiddenField(default="card")


class LostRequestForm(Form):
    reason = StringField(_l("战败原因"), validators=[DataRequired(_l("请填写战败原因。")), Length(max=200)])
    competitor = StringField(
        _l("战败去向（竞品）"), validators=[DataRequired(_l("请填写战败去向（竞品品牌/车型）。")), Length(max=80)]
    )


class SendBackForm(Form):
    note = StringField(_l("退回说明"), validators=[Length(max=200)])


class LevelForm(Form):
    level = SelectField(_l("意向级别"), choices=level_choices(), validators=[DataRequired()])
