"""One form per sales action. Money fields are Decimal; the rules live in services."""

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
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..forms_base import Form, NumericField, bounded_int, coerce_id, money_field
from .models import PAYMENT_KINDS, PAYMENT_METHODS

PAYMENT_CHOICES = [("cash", _l("全款")), ("loan", _l("按揭"))]


def _money(label, required=False):
    return money_field(label, required=_l("请填写金额。") if required else None)


class TestDriveForm(Form):
    __test__ = False
    vehicle_id = SelectField(
        _l("试驾车"), coerce=coerce_id, validators=[DataRequired(_l("请选择试驾车。"))], validate_choice=False
    )
    starts_at = DateTimeLocalField(
        _l("开始时间"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("请选择开始时间。"))]
    )
    duration_minutes = SelectField(
        _l("时长"),
        coerce=int,
        default=30,
        choices=[
            (15, _l("15 分钟")),
            (30, _l("30 分钟")),
            (45, _l("45 分钟")),
            (60, _l("60 分钟")),
            (90, _l("90 分钟")),
        ],
    )
    licence_number = StringField(_l("驾驶证号"), validators=[Optional(), Length(max=30)])


class TestDriveCheckInForm(Form):
    licence_number = StringField(_l("驾驶证号"), validators=[DataRequired(_l("请填写驾驶证号。")), Length(max=30)])
    licence_checked = BooleanField(_l("已核验驾驶证原件"))
    waiver_signed = BooleanField(_l("客户已签署试驾协议"))


class TestDriveFeedbackForm(Form):
    rating = RadioField(
        _l("评分"), choices=[(str(n), str(n)) for n in range(1, 6)], validators=[DataRequired(_l("请选择评分。"))]
    )
    feedback = TextAreaField(_l("客户反馈"), validators=[Optional(), Length(max=2000)])


class QuoteForm(Form):
    model_id = SelectField(
        _l("车型"), coerce=coerce_id, validators=[DataRequired(_l("请选择车型。"))], validate_choice=False
    )
    colour = StringField(_l("颜色"), validators=[Optional(), Length(max=30)])
    discount = _money(_l("优惠金额"))
    accessories = TextAreaField(
        _l("精品/附件（每行“名称 价格”）"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 4, "placeholder": _l("脚垫 300\n行车记录仪 800")},
    )
    insurance_amount = _money(_l("保险费"))
    purchase_tax = _money(_l("购置税（留空自动计算）"))
    registration_fee = _money(_l("上牌费"))
    other_fees = _money(_l("其他费用"))
    payment_method = RadioField(_l("付款方式"), choices=PAYMENT_CHOICES, default="cash")
    valid_until = DateField(_l("有效期至"), validators=[Optional()])
    notes = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})


class OrderEditForm(Form):
    version = HiddenField()
    colour = StringField(_l("颜色"), validators=[Optional(), Length(max=30)])
    discount = _money(_l("优惠金额"))
    accessories = TextAreaField(
        _l("精品/附件（每行“名称 价格”）"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 4}
    )
    insurance_amount = _money(_l("保险费"))
    fees_total = _money(_l("税费合计（购置税、上牌等，留空自动计算购置税）"))
    deposit_required = _money(_l("应付定金"), required=True)
    payment_method = RadioField(_l("付款方式"), choices=PAYMENT_CHOICES, default="cash")
    notes = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})


class NoteForm(Form):
    note = StringField(_l("审批意见"), validators=[Optional(), Length(max=300)])


class PaymentForm(Form):
    kind = SelectField(_l("款项"), choices=list(PAYMENT_KINDS.items()), default="deposit")
    method = SelectField(_l("方式"), choices=list(PAYMENT_METHODS.items()), default="transfer")
    amount = money_field(_l("金额"), required=_l("请填写金额。"), min="0.01", message=_l("金额应大于 0。"))
    reference = StringField(_l("流水号/备注"), validators=[Optional(), Length(max=60)])


class AllocateForm(Form):
    stock_vehicle_id = SelectField(
        _l("车辆（VIN）"), coerce=coerce_id, validators=[DataRequired(_l("请选择车辆。"))], validate_choice=False
    )


class InvoiceForm(Form):
    invoice_number = StringField(_l("发票号码"), validators=[DataRequired(_l("请填写发票号码。")), Length(max=40)])


class CancelForm(Form):
    reason = StringField(_l("取消原因"), validators=[DataRequired(_l("请填写取消原因。")), Length(max=200)])


class DeliveryForm(Form):
    exterior = BooleanField(_l("车辆外观检查"))
    tools = BooleanField(_l("随车工具"))
    documents = BooleanField(_l("发票/合格证"))
    insurance = BooleanField(_l("保险单"))
    instructions = BooleanField(_l("使用说明讲解"))
    first_service = BooleanField(_l("首保提醒"))
    signature = BooleanField(_l("客户签字"))
    received_by_name = StringField(_l("接车人"), validators=[DataRequired(_l("请填写接车人姓名。")), Length(max=80)])
    mileage = bounded_int(_l("交车里程（公里）"), 0, 10000, render_kw={"inputmode": "numeric"})
    notes = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist_errors: list[str] = []

    CHECKLIST = ("exterior", "tools", "documents", "insurance", "instructions", "first_service", "signature")


class LoanForm(Form):
    lender = StringField(_l("贷款机构"), validators=[DataRequired(_l("请填写贷款机构。")), Length(max=80)])
    amount = _money(_l("贷款金额"), required=True)
    down_payment = _money(_l("首付"))
    term_months = SelectField(
        _l("期限"),
        coerce=int,
        default=36,
        choices=[(12, _l("12 期")), (24, _l("24 期")), (36, _l("36 期")), (48, _l("48 期")), (60, _l("60 期"))],
    )
    annual_rate = NumericField(
        _l("年利率（%）"), digits=6, places=3, validators=[Optional(), NumberRange(min=0, max=30)]
    )
    commission = _money(_l("金融佣金"))


class PolicyForm(Form):
    insurer = StringField(_l("保险公司"), validators=[DataRequired(_l("请填写保险公司。")), Length(max=80)])
    policy_number = StringField(_l("保单号"), validators=[Optional(), Length(max=60)])
    premium = _money(_l("保费"), required=True)
    commission = _money(_l("保险佣金"))
    starts_on = DateField(_l("起保日"), validators=[Optional()])
    expires_on = DateField(_l("到期日"), validators=[Optional()])


class StateForm(Form):
    """A bare state-change button; the target state comes in ``to``."""

    to = HiddenField()
    policy_number = StringField(_l("保单号"), validators=[Optional(), Length(max=60)])
