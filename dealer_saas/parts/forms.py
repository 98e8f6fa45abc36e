"""One form per parts action; choices are filled by the views, the rules live in the
services. Quantities are ``Numeric(12, 3)`` fields, money ``Numeric(12, 2)``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms_base import Form, NumericField, bounded_int, coerce_id_or_none, money_field
from .models import CATEGORIES, PAYMENT_METHODS, UNITS

PAYERS = (("customer", _l("客户")), ("insurer", _l("保险公司")), ("warranty", _l("厂家保修")), ("internal", _l("内部")))


def qty_field(label, *, required=True, allow_zero=False, signed=False):
    low = -999999999 if signed else (0 if allow_zero else 0.001)
    validators = [InputRequired(_l("请填写数量。"))] if required else [Optional()]
    validators.append(NumberRange(min=low, max=999999999, message=_l("数量超出范围。")))
    return NumericField(label, validators=validators, digits=12, places=3)


def _money(label, required=False):
    return money_field(
        label,
        required=_l("请填写金额。") if required else None,
        max=9999999999,
        message=_l("金额需在 0 到 9999999999 之间。"),
    )


def _code(label=_l("配件编码或条码")):
    return StringField(
        label,
        validators=[DataRequired(_l("请输入配件编码或条码。")), Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "enterkeyhint": "next"},
    )


class PartForm(Form):
    code = StringField(_l("配件编码"), validators=[DataRequired(_l("请填写配件编码。")), Length(max=40)])
    name = StringField(_l("配件名称"), validators=[DataRequired(_l("请填写配件名称。")), Length(max=120)])
    category = SelectField(_l("类别"), choices=list(CATEGORIES.items()), default="other")
    unit = SelectField(_l("单位"), choices=list(UNITS.items()), default="pc")
    compatible_models = StringField(
        _l("适用车型"), validators=[Optional(), Length(max=200)], description=_l("逗号分隔，留空表示全部车型")
    )
    barcode = StringField(_l("条码"), validators=[Optional(), Length(max=40)])
    bin = StringField(_l("库位"), validators=[Optional(), Length(max=20)])
    reorder_point = qty_field(_l("补货点"), required=False, allow_zero=True)
    maximum = qty_field(_l("最高库存"), required=False, allow_zero=True)
    sale_price = _money(_l("销售价（元）"))
    supplier_id = SelectField(_l("首选供应商"), coerce=coerce_id_or_none, validate_choice=False)


class PartEditForm(PartForm):
    version = HiddenField()


class AdjustForm(Form):
    quantity = qty_field(_l("调整数量（负数为减少）"), signed=True)
    note = StringField(_l("原因"), validators=[DataRequired(_l("请填写调整原因。")), Length(max=200)])


class SupplierForm(Form):
    name = StringField(_l("供应商名称"), validators=[DataRequired(_l("请填写供应商名称。")), Length(max=120)])
    contact = StringField(_l("联系人"), validators=[Optional(), Length(max=60)])
    phone = StringField(_l("电话"), validators=[Optional(), Length(max=30)])
    lead_days = bounded_int(_l("到货天数"), 0, 365)
    is_active = BooleanField(_l("启用"), default=True)


class PurchaseOrderForm(Form):
    supplier_id = SelectField(_l("供应商"), coerce=coerce_id_or_none, validate_choice=False)
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200)])


class PoLineForm(Form):
    code = _code()
    quantity = qty_field(_l("数量"))
    unit_cost = _money(_l("单价（留空按平均成本）"))


class ActionForm(Form):
    action = HiddenField()


class CounterSaleForm(Form):
    customer_mobile = StringField(_l("客户手机号"), validators=[Optional(), Length(max=20)])
    walk_in_name = StringField(_l("散客姓名"), validators=[Optional(), Length(max=60)])
    method = SelectField(_l("付款方式"), choices=list(PAYMENT_METHODS.items()), default="wechat")
    code_0 = _code()
    qty_0 = qty_field(_l("数量"))
    code_1 = StringField(_l("配件编码或条码"), validators=[Optional(), Length(max=40)])
    qty_1 = qty_field(_l("数量"), required=False)
    code_2 = StringField(_l("配件编码或条码"), validators=[Optional(), Length(max=40)])
    qty_2 = qty_field(_l("数量"), required=False)

    LINES = 3

    def sale_lines(self) -> list[tuple[str, object]]:
        return [
            (getattr(self, f"code_{n}").data or "", getattr(self, f"qty_{n}").data)
            for n in range(self.LINES)
            if (getattr(self, f"code_{n}").data or "").strip()
        ]


class StocktakeForm(Form):
    scope = SelectField(_l("盘点范围"), choices=(("bin", _l("按库位")), ("category", _l("按类别"))), default="bin")
    value = StringField(_l("库位或类别"), validators=[DataRequired(_l("请填写库位或选择类别。")), Length(max=20)])


class CountForm(Form):
    code = _code()
    counted = qty_field(_l("实盘数量"), allow_zero=True)


class TransferForm(Form):
    code = _code()
    quantity = qty_field(_l("数量"))
    dest_store_id = SelectField(_l("调入门店"), coerce=coerce_id_or_none, validate_choice=False)
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200)])


class RoPartForm(Form):
    code = _code()
    quantity = qty_field(_l("数量"))
    payer = SelectField(_l("结算方"), choices=PAYERS, default="customer")
    discount = _money(_l("优惠（元）"))
