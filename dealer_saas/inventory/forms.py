"""Forms of the stock screens: catalogue model, stock vehicle, transfer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms_base import Form, bounded_int, coerce_id, money_field


class VehicleModelForm(Form):
    code = StringField(_l("车型编码"), validators=[Optional(), Length(max=40)])
    brand = StringField(_l("品牌"), validators=[DataRequired(_l("请填写品牌")), Length(max=40)])
    series = StringField(_l("车系"), validators=[DataRequired(_l("请填写车系")), Length(max=60)])
    trim = StringField(_l("配置/版本"), validators=[Optional(), Length(max=80)])
    model_year = bounded_int(_l("年款"), 1990, 2100, message=_l("年款不正确"))
    list_price = money_field(
        _l("指导价（元）"), required=_l("请填写指导价"), max=99_999_999, message=_l("指导价不正确")
    )
    colours = StringField(
        _l("可选颜色"), validators=[Optional(), Length(max=300)], description=_l("用逗号分隔，例如：极地白,曜石黑")
    )
    is_active = BooleanField(_l("在售"), default=True)
    is_new_energy = BooleanField(_l("新能源车型（购置税按新能源税率）"), default=False)


class StockVehicleForm(Form):
    vin = StringField(_l("车架号（VIN）"), validators=[DataRequired(_l("请填写车架号")), Length(max=30)])
    model_id = SelectField(_l("车型"), coerce=coerce_id, validators=[InputRequired(_l("请选择车型"))])
    colour = StringField(_l("外观颜色"), validators=[Optional(), Length(max=30)])
    interior_colour = StringField(_l("内饰颜色"), validators=[Optional(), Length(max=30)])
    production_date = DateField(_l("生产日期"), validators=[Optional()])
    arrival_date = DateField(_l("到店日期"), validators=[Optional()])
    cost = money_field(_l("成本（元）"), max=99_999_999, message=_l("成本不正确"))
    location = StringField(_l("库位"), validators=[Optional(), Length(max=60)])
    is_demo = BooleanField(_l("试驾车"))
    plate = StringField(_l("车牌号"), validators=[Optional(), Length(max=16)])
    version = HiddenField()


class StockVehicleCreateForm(StockVehicleForm):
    state = RadioField(
        _l("状态"),
        choices=[("in_transit", _l("在途")), ("in_stock", _l("已到店"))],
        default="in_transit",
        validators=[InputRequired()],
    )


class TransferForm(Form):
    dest_store_id = SelectField(_l("调入门店"), coerce=str, validators=[DataRequired(_l("请选择调入门店"))])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200)])
