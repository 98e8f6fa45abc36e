"""Sales rules, one file per aggregate; this package re-exports the public names so
``from dealer_saas.sales import services; services.x(...)`` and
``from dealer_saas.sales.services import X`` keep working.

- ``_common``: the module's errors (on the rules kernel), money, who sees a sales row,
  the store's paperwork numbering and its lock;
- ``pricing``: totals, purchase tax (per model rate), accessories, discount %, the one
  approval-level rule (discount plus tax waived), the deal figures and gross margin of the
  approval screen, catalogue;
- ``test_drives``: demo-car bookings and the test-drive table;
- ``quotes``: quotes, the share link and the quote table;
- ``orders``: the order state machine and the order-page sections per state, orders from
  quotes, editing, submitting, cancelling, the dashboard counts;
- ``approvals``: the approver rule, once (service, queue and Approve button);
- ``payments``: payments, refunds, loan money owed, the invoice;
- ``delivery``: car allocation and the hand-over (through the customers service);
- ``finance``: loans and insurance policies;
- ``loan_calculator``: the monthly payment of the store's loan plans (quote and order).

Every state machine is a :class:`dealer_saas.domain.Transitions` (``*_MOVES``; the old
``*_TRANSITIONS`` names are their tables of moves). Visibility: a user with
``customers.view_all`` sees the whole store's sales rows; anyone else sees the rows they
are the consultant or creator of (other ids answer 404, like a foreign id).
"""

from __future__ import annotations

from ..models import ZERO
from ._common import (
    CENT,
    InvalidTransition,
    SalesError,
    StaleEdit,
    card_for_customer,
    customer_for_sales,
    money,
    own_clause,
)
from .approvals import (
    APPROVAL_PERMISSIONS,
    approvable_clause,
    approval_queue,
    approval_refusal,
    approve_order,
    may_approve,
    reject_order,
)
from .delivery import (
    DELIVERY_CHECKLIST,
    allocate_vehicle,
    allocation_choices,
    deliver_order,
    get_delivery,
)
from .finance import (
    LOAN_MOVES,
    LOAN_TRANSITIONS,
    POLICY_MOVES,
    POLICY_TRANSITIONS,
    _one_year_on,
    change_loan_state,
    change_policy_state,
    create_loan,
    create_policy,
    get_insurance_policy,
    get_loan_application,
    order_finance,
)
from .loan_calculator import LoanCalculator, LoanQuote, calculator, loan_quote, monthly_payment
from .orders import (
    DEPOSIT_HELD_STATES,
    LIVE_ORDER_STATES,
    ORDER_FILTERS,
    ORDER_FORM_STATES,
    ORDER_MOVES,
    ORDER_SORTS,
    ORDER_TRANSITIONS,
    cancel_order,
    cancel_refusal,
    create_order_from_quote,
    deliveries_this_month_count,
    get_order,
    get_order_row,
    order_for_page,
    order_page,
    orders_in_progress_count,
    submit_order,
    update_order,
)
from .payments import invoice_order, loans_not_yet_received, record_payment
from .pricing import (
    MAX_ACCESSORIES,
    PURCHASE_TAX_RATE,
    VAT_DIVISOR,
    DealFigures,
    Totals,
    approval_levels_for,
    compute_totals,
    concession,
    deal_figures,
    default_purchase_tax,
    discount_percent,
    format_accessories,
    gross_margin,
    model_choices,
    order_approval_levels,
    order_tax_computed,
    parse_accessories,
    purchase_tax_rate,
    tax_shortfall,
)
from .quotes import (
    QUOTE_FILTERS,
    QUOTE_MOVES,
    QUOTE_SORTS,
    QUOTE_STATUSES_KEYS,
    QUOTE_TRANSITIONS,
    create_quote,
    get_quote,
    is_quote_expired,
    mark_quote_sent,
    quote_for_share_token,
    quote_page,
    update_quote,
)
from .test_drives import (
    TEST_DRIVE_MOVES,
    TEST_DRIVE_TRANSITIONS,
    book_test_drive,
    change_test_drive_state,
    check_in_test_drive,
    get_test_drive,
    my_upcoming_test_drives,
    record_test_drive_feedback,
    test_drive_day,
    test_drives_today_count,
)

__all__ = [
    "LoanCalculator",
    "LoanQuote",
    "calculator",
    "loan_quote",
    "monthly_payment",
    "cancel_refusal",
    "DealFigures",
    "concession",
    "deal_figures",
    "gross_margin",
    "order_approval_levels",
    "order_tax_computed",
    "purchase_tax_rate",
    "tax_shortfall",
    "APPROVAL_PERMISSIONS",
    "CENT",
    "DELIVERY_CHECKLIST",
    "DEPOSIT_HELD_STATES",
    "InvalidTransition",
    "LIVE_ORDER_STATES",
    "LOAN_MOVES",
    "LOAN_TRANSITIONS",
    "MAX_ACCESSORIES",
    "ORDER_FILTERS",
    "ORDER_FORM_STATES",
    "ORDER_MOVES",
    "ORDER_SORTS",
    "ORDER_TRANSITIONS",
    "POLICY_MOVES",
    "POLICY_TRANSITIONS",
    "PURCHASE_TAX_RATE",
    "QUOTE_FILTERS",
    "QUOTE_MOVES",
    "QUOTE_SORTS",
    "QUOTE_STATUSES_KEYS",
    "QUOTE_TRANSITIONS",
    "SalesError",
    "StaleEdit",
    "TEST_DRIVE_MOVES",
    "TEST_DRIVE_TRANSITIONS",
    "Totals",
    "VAT_DIVISOR",
    "ZERO",
    "_one_year_on",
    "allocate_vehicle",
    "allocation_choices",
    "approvable_clause",
    "approval_levels_for",
    "approval_queue",
    "approval_refusal",
    "approve_order",
    "book_test_drive",
    "cancel_order",
    "card_for_customer",
    "change_loan_state",
    "change_policy_state",
    "change_test_drive_state",
    "check_in_test_drive",
    "compute_totals",
    "create_loan",
    "create_order_from_quote",
    "create_policy",
    "create_quote",
    "customer_for_sales",
    "default_purchase_tax",
    "deliver_order",
    "deliveries_this_month_count",
    "discount_percent",
    "format_accessories",
    "get_delivery",
    "get_insurance_policy",
    "get_loan_application",
    "get_order",
    "get_order_row",
    "order_for_page",
    "get_quote",
    "get_test_drive",
    "invoice_order",
    "is_quote_expired",
    "loans_not_yet_received",
    "mark_quote_sent",
    "may_approve",
    "model_choices",
    "money",
    "my_upcoming_test_drives",
    "order_finance",
    "order_page",
    "orders_in_progress_count",
    "own_clause",
    "parse_accessories",
    "quote_for_share_token",
    "quote_page",
    "record_payment",
    "record_test_drive_feedback",
    "reject_order",
    "submit_order",
    "test_drive_day",
    "test_drives_today_count",
    "update_order",
    "update_quote",
]
