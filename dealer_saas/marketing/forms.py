"""One form per marketing action (all on the one form base, every integer bounded)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..customers.models import LEVELS, SOURCES
from ..forms_base import Form, bounded_int, coerce_id, money_field
from .models import OCCASIONS
from .services.campaigns import MAX_ATTRIBUTION_DAYS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TemplateForm(Form):
    code = StringField(_l("编码"), validators=[DataRequired(_l("请填写编码。")), Length(max=40)])
    name = StringField(_l("名称"), validators=[DataRequired(_l("请填写模板名称。")), Length(max=80)])
    occasion = SelectField(_l("用途"), choices=list(OCCASIONS.items()), default="marketing")
    body = TextAreaField(
        _l("内容"), validators=[DataRequired(_l("请填写模板内容。")), Length(max=500)], render_kw={"rows": 4}
    )
    is_active = BooleanField(_l("启用"), default=True)
    version = HiddenField()


class PreviewForm(Form):
    body = TextAreaField(_l("内容"), validators=[Optional(), Length(max=500)])
    customer_id = bounded_int(_l("客户编号"), 1)


class SegmentFields(Form):
    """The saved customer filter (``services.segments``)."""

    sources = MultiCheckboxField(_l("来源"), choices=list(SOURCES.items()), validate_choice=False)
    levels = MultiCheckboxField(_l("客户级别"), choices=list(LEVELS.items()), validate_choice=False)
    tags = StringField(_l("标签（逗号分隔）"), validators=[Optional(), Length(max=200)])
    model = StringField(_l("保有车型包含"), validators=[Optional(), Length(max=40)])
    visited_from = DateField(_l("最近到店 从"), validators=[Optional()])
    visited_to = DateField(_l("至"), validators=[Optional()])

    def segment(self) -> dict:
        return {
            "sources": self.sources.data or [],
            "levels": self.levels.data or [],
            "tags": self.tags.data or "",
            "model": self.model.data or "",
            "visited_from": self.visited_from.data,
            "visited_to": self.visited_to.data,
        }


class CampaignForm(SegmentFields):
    theme = StringField(_l("活动主题"), validators=[DataRequired(_l("请填写活动主题。")), Length(max=120)])
    place = StringField(_l("地点"), validators=[Optional(), Length(max=120)])
    starts_at = DateTimeLocalField(
        _l("开始时间"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(_l("请填写开始时间。"))]
    )
    ends_at = DateTimeLocalField(
        _l("结束时间"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(_l("请填写结束时间。"))]
    )
    description = TextAreaField(_l("活动说明"), validators=[Optional(), Length(max=4000)], render_kw={"rows": 3})
    budget = money_field(_l("预算（元）"), max=9999999999, message=_l("金额需在 0 到 9999999999 之间。"))
    headcount = bounded_int(_l("名额（0 为不限）"), 0, 100000)
    attribution_days = bounded_int(_l("成交归因天数"), 1, MAX_ATTRIBUTION_DAYS, required=_l("请填写天数。"), default=30)
    version = HiddenField()


class ActionForm(Form):
    """A button that moves a campaign or checks a sign-up in (CSRF only)."""


class SignupForm(Form):
    """The public sign-up page (phone first)."""

    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名。")), Length(max=80)])
    mobile = StringField(
        _l("手机号"),
        validators=[DataRequired(_l("请填写手机号。")), Length(max=20)],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    party_size = bounded_int(_l("同行人数"), 1, 10, required=_l("请填写人数。"), default=1)
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200)])
    marketing_consent = BooleanField(_l("我愿意接收本店的活动与优惠信息"))


class BulkForm(SegmentFields):
    template_id = SelectField(_l("模板"), coerce=coerce_id, validate_choice=False)
    campaign_id = SelectField(_l("关联活动"), coerce=coerce_id, validate_choice=False, default=0)
    confirm = BooleanField(_l("确认发送"))
