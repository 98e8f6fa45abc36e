"""Forms of the customers module (one per action)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..forms_base import Form, bounded_int
from .models import GENDERS, KINDS, LEVELS, SOURCES

#: no car's odometer reaches ten million kilometres
MILEAGE_MAX = 9_999_999


def _choices(mapping) -> list[tuple[str, object]]:
    return list(mapping.items())


class CustomerForm(Form):
    name = StringField(_l("姓名/公司名"), validators=[DataRequired(_l("请填写姓名。")), Length(max=80)])
    kind = RadioField(_l("类型"), choices=_choices(KINDS), default="individual")
    mobile = StringField(_l("手机号"), validators=[Optional(), Length(max=20)])
    other_phones = StringField(_l("其他电话"), validators=[Optional(), Length(max=200)])
    gender = SelectField(_l("性别"), choices=_choices(GENDERS), default="")
    birthday = DateField(_l("生日"), validators=[Optional()])
    id_number = StringField(_l("身份证号"), validators=[Optional(), Length(max=18)])
    email = StringField(
        _l("邮箱"),
        validators=[Optional(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("邮箱格式不正确。")), Length(max=120)],
    )
    wechat = StringField(_l("微信"), validators=[Optional(), Length(max=60)])
    address = StringField(_l("地址"), validators=[Optional(), Length(max=200)])
    source = SelectField(_l("来源"), choices=_choices(SOURCES), default="walk_in")
    level = SelectField(_l("客户级别"), choices=_choices(LEVELS), default="prospect")
    tags = StringField(_l("标签"), validators=[Optional(), Length(max=300)])
    notes = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    version = HiddenField()

    def service_data(self) -> dict:
        data = {k: v for k, v in self.data.items() if k not in ("csrf_token", "version")}
        return data


class VehicleForm(Form):
    vin = StringField(_l("车架号（VIN）"), validators=[DataRequired(_l("请填写车架号。")), Length(max=30)])
    plate = StringField(_l("车牌号"), validators=[Optional(), Length(max=16)])
    brand = StringField(_l("品牌"), validators=[Optional(), Length(max=40)])
    model = StringField(_l("车型"), validators=[Optional(), Length(max=60)])
    trim = StringField(_l("配置"), validators=[Optional(), Length(max=80)])
    colour = StringField(_l("颜色"), validators=[Optional(), Length(max=30)])
    purchase_date = DateField(_l("购车日期"), validators=[Optional()])
    mileage = bounded_int(_l("当前里程（公里）"), 0, MILEAGE_MAX)
    insurance_expiry = DateField(_l("保险到期"), validators=[Optional()])
    next_service_date = DateField(_l("下次保养日期"), validators=[Optional()])
    next_service_mileage = bounded_int(_l("下次保养里程"), 0, MILEAGE_MAX)
    version = HiddenField()

    def service_data(self) -> dict:
        return {k: v for k, v in self.data.items() if k not in ("csrf_token", "version")}


class TransferForm(Form):
    mobile = StringField(_l("新车主手机号"), validators=[DataRequired(_l("请输入新车主的手机号。")), Length(max=20)])
    on = DateField(_l("过户日期"), validators=[Optional()])


class ContactForm(Form):
    name = StringField(_l("联系人"), validators=[DataRequired(_l("请填写联系人姓名。")), Length(max=80)])
    title = StringField(_l("职务"), validators=[Optional(), Length(max=60)])
    mobile = StringField(_l("手机号"), validators=[Optional(), Length(max=20)])
    is_primary = BooleanField(_l("主要联系人"))

    def service_data(self) -> dict:
        return {k: v for k, v in self.data.items() if k != "csrf_token"}
