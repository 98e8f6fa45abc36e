"""Parts screens: the stock list and a part's page with its movements, low and over stock,
suppliers, purchase orders (with the suggested order and receiving), counter sales with a
printable receipt, stocktakes (counting on a phone), transfers between stores, and the parts
lines of a repair order (posted from the RO page).

Views are thin: parse the form, run one service through ``domain.attempt``, render the page
or its fragment. Write controls are not shown in the read-only roll-up."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _

from .. import tenancy
from ..domain import attempt
from ..extensions import db
from ..shell import store_name
from ..timeutil import utcnow
from ..validation import bounded_id
from ..web import permission_required, redirect_to, render_htmx, rollback_only, trigger
from . import bp, events
from .forms import (
    ActionForm,
    AdjustForm,
    CounterSaleForm,
    CountForm,
    PartEditForm,
    PartForm,
    PoLineForm,
    PurchaseOrderForm,
    RoPartForm,
    StocktakeForm,
    SupplierForm,
    TransferForm,
)
from .models import CATEGORIES, PO_STATUSES
from .services import catalogue, counter_sales, purchasing, stock, stocktakes, transfers
from .services.purchasing import PO_MOVES
from .services.rules import PartsError

TONES = {
    "draft": "secondary",
    "sent": "primary",
    "partially_received": "warning",
    "received": "success",
    "cancelled": "light",
    "counting": "primary",
    "posted": "success",
    "in_transit": "warning",
    "reserved": "secondary",
    "issued": "success",
}


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"parts_tones": TONES}


def _store_names(store_ids: set[int]) -> dict[int, str]:
    """Store names for the roll-up's rows (the shell's: no statement)."""
    return {sid: store_name(sid) for sid in store_ids}


def _read_only() -> bool:
    return tenancy.current().is_rollup


def _supplier_choices(form: Any) -> None:
    form.supplier_id.choices = [("", _("未设置"))] + [(s.id, s.name) for s in catalogue.suppliers(active_only=True)]


def _failed() -> None:
    if request.method == "POST":
        rollback_only()


# --------------------------------------------------------------------------- stock


@bp.route("/")
@permission_required("parts.view")
def stock_list():
    """The store's parts by code; search by code, name or barcode prefix."""
    q = request.args.get("q", "")[:40]
    category = request.args.get("category") or None
    category = category if category in CATEGORIES else None
    page = stock.stock_page(q=q, category=category, after=request.args.get("after"))
    return render_htmx(
        "parts/stock_list.html",
        "parts/_stock_rows.html",
        rows=page,
        q=q,
        category=category,
        next_url=url_for("parts.stock_list", q=q or None, category=category, after=page.next_token)
        if page.has_more
        else None,
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required("parts.manage")
def part_new():
    """A part for the store (a code new to the group joins its master)."""
    form = PartForm()
    _supplier_choices(form)
    if form.validate_on_submit():
        row = attempt(form, lambda: catalogue.create_part(dict(form.data)))
        if row:
            return redirect_to(url_for("parts.stock_detail", part_stock_id=row.id))
    _failed()
    return render_template("parts/part_form.html", form=form, row=None)


@bp.route("/stock/<int:part_stock_id>")
@permission_required("parts.view")
def stock_detail(part_stock_id: int):
    """One part of the store: master data, quantities, settings, the movement history."""
    return _stock_page(part_stock_id)


def _stock_page(part_stock_id: int, adjust_form: AdjustForm | None = None, transfer_form: TransferForm | None = None):
    if request.method != "GET":
        # after an adjustment (saved or refused) the row is read again; a plain GET keeps
        # the signed-in user and the stores loaded with it (no reload of the shell's rows)
        db.session.expire_all()
    row = stock.stock_for_page(part_stock_id)
    return render_template(
        "parts/stock_detail.html",
        row=row,
        movements=stock.movements(row.id),
        adjust_form=adjust_form or AdjustForm(formdata=None),
        read_only=_read_only(),
        store=tenancy.store_of(row),
    )


@bp.route("/stock/<int:part_stock_id>/edit", methods=["GET", "POST"])
@permission_required("parts.manage")
def part_edit(part_stock_id: int):
    row = stock.get_stock(part_stock_id)
    if request.method == "GET":
        form = PartEditForm(obj=row)
        for name in ("code", "name", "category", "unit", "compatible_models", "barcode"):
            getattr(form, name).data = getattr(row.part, name)
        form.version.data = row.version
    else:
        form = PartEditForm()
    _supplier_choices(form)
    if form.validate_on_submit() and attempt(
        form, lambda: catalogue.update_part(part_stock_id, form.version.data, dict(form.data))
    ):
        return redirect_to(url_for("parts.stock_detail", part_stock_id=part_stock_id))
    _failed()
    return render_template("parts/part_form.html", form=form, row=row)


@bp.route("/stock/<int:part_stock_id>/adjust", methods=["POST"])
@permission_required("parts.manage")
def stock_adjust(part_stock_id: int):
    """A manual adjustment with a reason (a movement like every other change)."""
    stock.get_stock(part_stock_id)
    form = AdjustForm()
    if form.validate_on_submit() and attempt(
        form, lambda: stock.adjust(part_stock_id, form.quantity.data, form.note.data)
    ):
        return redirect_to(
            url_for("parts.stock_detail", part_stock_id=part_stock_id),
            trigger=trigger(events.STOCK_CHANGED, id=part_stock_id),
        )
    rollback_only()
    return _stock_page(part_stock_id, adjust_form=form)


@bp.route("/low-stock")
@permission_required("parts.view")
def low_stock():
    """The stock alerts, one list a tab: low stock (on hand - reserved <= reorder point),
    over stock (above the maximum) and dead stock (no movement for 180 days)."""
    view = request.args.get("view", "low")
    if view not in stock.ALERT_VIEWS:
        view = "low"
    page = stock.stock_alert_page(view, after=request.args.get("after"))
    # the roll-up's rows name their store: each store looked up once, not once per row
    store_ids = {row.store_id for row in page.items} if _read_only() else set()
    return render_htmx(
        "parts/low_stock.html",
        "parts/_low_rows.html",
        view=view,
        rows=page,
        store_names=_store_names(store_ids),
        next_url=url_for("parts.low_stock", view=view, after=page.next_token) if page.has_more else None,
    )


# --------------------------------------------------------------------------- suppliers


@bp.route("/suppliers")
@permission_required("parts.purchase")
def supplier_list():
    """The suppliers by name, a page at a time (a group's roll-up holds hundreds)."""
    page = catalogue.supplier_page(after=request.args.get("after"), size=SUPPLIER_ROWS)
    return render_htmx(
        "parts/supplier_list.html",
        "parts/_supplier_rows.html",
        rows=page,
        next_url=url_for("parts.supplier_list", after=page.next_token) if page.has_more else None,
        read_only=_read_only(),
    )


#: suppliers per page of the list ("load more" for the rest)
SUPPLIER_ROWS = 50


@bp.route("/suppliers/new", methods=["GET", "POST"])
@permission_required("parts.purchase")
def supplier_new():
    form = SupplierForm()
    if form.validate_on_submit() and attempt(form, lambda: catalogue.save_supplier(None, dict(form.data))):
        return redirect_to(url_for("parts.supplier_list"))
    _failed()
    return render_template("parts/supplier_form.html", form=form, supplier=None)


@bp.route("/suppliers/<int:supplier_id>/edit", methods=["GET", "POST"])
@permission_required("parts.purchase")
def supplier_edit(supplier_id: int):
    supplier = catalogue.get_supplier(supplier_id)
    form = SupplierForm(obj=supplier if request.method == "GET" else None)
    if form.validate_on_submit() and attempt(form, lambda: catalogue.save_supplier(supplier_id, dict(form.data))):
        return redirect_to(url_for("parts.supplier_list"))
    _failed()
    return render_template("parts/supplier_form.html", form=form, supplier=supplier)


# --------------------------------------------------------------------------- purchase orders


@bp.route("/purchase-orders")
@permission_required("parts.purchase")
def po_list():
    status = request.args.get("status") or None
    status = status if status in PO_STATUSES else None
    page = purchasing.po_page(status=status, after=request.args.get("after"))
    return render_htmx(
        "parts/po_list.html",
        "parts/_po_rows.html",
        rows=page,
        status=status,
        next_url=url_for("parts.po_list", status=status, after=page.next_token) if page.has_more else None,
    )


@bp.route("/purchase-orders/new", methods=["GET", "POST"])
@permission_required("parts.purchase")
def po_new():
    form = PurchaseOrderForm()
    _supplier_choices(form)
    if form.validate_on_submit():
        po = attempt(form, lambda: purchasing.create_po(form.supplier_id.data, note=form.note.data or ""))
        if po:
            return redirect_to(url_for("parts.po_detail", purchase_order_id=po.id))
    _failed()
    return render_template("parts/po_new.html", form=form)


def _po_page(
    purchase_order_id: Any, *, line_form: PoLineForm | None = None, errors: list[str] | None = None, event: bool = False
):
    po = purchasing.po_with_lines(purchase_order_id)  # read fresh: the lines as they are after a change
    return render_htmx(
        "parts/po_detail.html",
        "parts/_po.html",
        po=po,
        line_form=line_form or PoLineForm(formdata=None),
        actions=PO_MOVES.actions_for(po),
        action_labels=PO_MOVES.action_labels,
        errors=errors or [],
        read_only=_read_only(),
        store=tenancy.store_of(po),
        trigger=trigger(events.PO_CHANGED, id=po.id) if event else None,
    )


@bp.route("/purchase-orders/<int:purchase_order_id>")
@permission_required("parts.purchase")
def po_detail(purchase_order_id: int):
    """An order: its lines, what arrived, the next step (send, receive, cancel)."""
    return _po_page(purchase_order_id)


def _po_done(purchase_order_id: int, form: Any, call, *, line_form: PoLineForm | None = None):
    if form.validate_on_submit() and attempt(form, call):
        if not request.htmx:
            return redirect_to(url_for("parts.po_detail", purchase_order_id=purchase_order_id))
        return _po_page(purchase_order_id, event=True)
    rollback_only()
    errors = list(form.form_errors) + [e for name, es in form.errors.items() if name != "code" for e in es]
    return _po_page(purchase_order_id, line_form=line_form, errors=errors if line_form is None else form.form_errors)


@bp.route("/purchase-orders/<int:purchase_order_id>/lines", methods=["POST"])
@permission_required("parts.purchase")
def po_add_line(purchase_order_id: int):
    purchasing.get_po(purchase_order_id)
    form = PoLineForm()
    return _po_done(
        purchase_order_id,
        form,
        lambda: purchasing.add_line(purchase_order_id, form.code.data, form.quantity.data, form.unit_cost.data),
        line_form=form,
    )


@bp.route("/po-lines/<int:purchase_order_line_id>/remove", methods=["POST"])
@permission_required("parts.purchase")
def po_remove_line(purchase_order_line_id: int):
    from .models import PurchaseOrderLine

    line = tenancy.get_or_404(PurchaseOrderLine, purchase_order_line_id)
    form = ActionForm()
    return _po_done(line.purchase_order_id, form, lambda: purchasing.remove_line(purchase_order_line_id))


@bp.route("/purchase-orders/<int:purchase_order_id>/action", methods=["POST"])
@permission_required("parts.purchase")
def po_action(purchase_order_id: int):
    """send or cancel."""
    purchasing.get_po(purchase_order_id)
    form = ActionForm()
    return _po_done(purchase_order_id, form, lambda: purchasing.change_po(purchase_order_id, form.action.data or ""))


@bp.route("/purchase-orders/<int:purchase_order_id>/receive", methods=["POST"])
@permission_required("parts.purchase")
def po_receive(purchase_order_id: int):
    """Receive what arrived: ``qty_<line id>`` per line (partial quantities allowed)."""
    purchasing.get_po(purchase_order_id)
    form = ActionForm()
    quantities: dict[int, Any] = {}
    for key, value in request.form.items():
        if key.startswith("qty_"):
            line_id = bounded_id(key[4:])
            if line_id is not None:
                quantities[line_id] = value[:30]
    return _po_done(purchase_order_id, form, lambda: purchasing.receive(purchase_order_id, quantities))


#: the suggestion lists this many parts per supplier (each group says how many more and
#: what they cost); the drafts it makes hold every line, to review and change there
SUGGESTION_ROWS_SHOWN = 12


@bp.route("/suggested-order", methods=["GET", "POST"])
@permission_required("parts.purchase")
def suggested_order():
    """Everything at or below its reorder point, by preferred supplier, with the quantity up
    to the maximum; one tap turns it into one draft order per supplier."""
    form = ActionForm()
    if request.method == "POST":
        orders = form.validate_on_submit() and attempt(form, purchasing.create_suggested_orders)
        if orders:
            target = (
                url_for("parts.po_detail", purchase_order_id=orders[0].id)
                if len(orders) == 1
                else url_for("parts.po_list", status="draft")
            )
            return redirect_to(target)
        rollback_only()
    groups = purchasing.suggestion_page(SUGGESTION_ROWS_SHOWN) if not _read_only() else []
    return render_template("parts/suggested_order.html", groups=groups, form=form)


# --------------------------------------------------------------------------- counter sales


@bp.route("/sales")
@permission_required("parts.sell")
def sale_list():
    page = counter_sales.sale_page(after=request.args.get("after"))
    return render_htmx(
        "parts/sale_list.html",
        "parts/_sale_rows.html",
        rows=page,
        next_url=url_for("parts.sale_list", after=page.next_token) if page.has_more else None,
    )


@bp.route("/sales/new", methods=["GET", "POST"])
@permission_required("parts.sell")
def sale_new():
    """A counter sale on the phone: customer (mobile) or walk-in, parts, payment."""
    form = CounterSaleForm()
    if form.validate_on_submit():
        sale = attempt(
            form,
            lambda: counter_sales.sell(
                lines=form.sale_lines(),
                method=form.method.data,
                customer_mobile=form.customer_mobile.data or "",
                walk_in_name=form.walk_in_name.data or "",
            ),
        )
        if sale:
            return redirect_to(url_for("parts.sale_receipt", counter_sale_id=sale.id))
    _failed()
    return render_template("parts/sale_new.html", form=form)


@bp.route("/sales/<int:counter_sale_id>")
@permission_required("parts.sell")
def sale_receipt(counter_sale_id: int):
    """The printable receipt (销售小票)."""
    sale = counter_sales.get_sale(counter_sale_id)
    return render_template("parts/sale_receipt.html", sale=sale, store=tenancy.store_of(sale), printed_at=utcnow())


# --------------------------------------------------------------------------- stocktakes


@bp.route("/stocktakes", methods=["GET", "POST"])
@permission_required("parts.stocktake")
def stocktake_list():
    """Count sheets, newest first; a new sheet of one bin or one category."""
    form = StocktakeForm()
    if request.method == "POST":
        sheet = form.validate_on_submit() and attempt(
            form, lambda: stocktakes.take_sheet(form.scope.data, form.value.data)
        )
        if sheet:
            return redirect_to(url_for("parts.stocktake_detail", stocktake_id=sheet.id))
        rollback_only()
    page = stocktakes.sheet_page(after=request.args.get("after"))
    return render_template(
        "parts/stocktake_list.html",
        rows=page,
        form=form,
        read_only=_read_only(),
        next_url=url_for("parts.stocktake_list", after=page.next_token) if page.has_more else None,
    )


def _sheet_page(stocktake_id: Any, *, count_form: CountForm | None = None, errors: list[str] | None = None, **kw):
    sheet = stocktakes.get_sheet(stocktake_id)  # read fresh: the counts as they are after a change
    return render_htmx(
        "parts/stocktake_detail.html",
        "parts/_stocktake.html",
        sheet=sheet,
        count_form=count_form or CountForm(formdata=None),
        moved={line.id for line in stocktakes.moved_lines(sheet)} if sheet.status == "counting" else set(),
        errors=errors or [],
        read_only=_read_only(),
        **kw,
    )


@bp.route("/stocktakes/<int:stocktake_id>")
@permission_required("parts.stocktake")
def stocktake_detail(stocktake_id: int):
    """The count sheet on the phone: scan or type a code, enter the count; the variances."""
    return _sheet_page(stocktake_id)


@bp.route("/stocktakes/<int:stocktake_id>/count", methods=["POST"])
@permission_required("parts.stocktake")
def stocktake_count(stocktake_id: int):
    stocktakes.get_sheet(stocktake_id)
    form = CountForm()
    line = form.validate_on_submit() and attempt(
        form, lambda: stocktakes.enter_count(stocktake_id, form.code.data, form.counted.data)
    )
    if line:
        if not request.htmx:
            return redirect_to(url_for("parts.stocktake_detail", stocktake_id=stocktake_id))
        return _sheet_page(stocktake_id, last_line_id=line.id)
    rollback_only()
    return _sheet_page(stocktake_id, count_form=form)


@bp.route("/stocktakes/<int:stocktake_id>/action", methods=["POST"])
@permission_required("parts.stocktake")
def stocktake_action(stocktake_id: int):
    """post, recount (the lines whose stock moved) or cancel."""
    stocktakes.get_sheet(stocktake_id)
    form = ActionForm()
    calls = {"post": stocktakes.post, "recount": stocktakes.recount, "cancel": stocktakes.cancel}

    def call():
        action = calls.get(form.action.data or "")
        if action is None:
            raise PartsError(_("未知操作。"))
        return action(stocktake_id)

    if form.validate_on_submit() and attempt(form, call):
        if not request.htmx:
            return redirect_to(url_for("parts.stocktake_detail", stocktake_id=stocktake_id))
        return _sheet_page(stocktake_id)
    rollback_only()
    return _sheet_page(stocktake_id, errors=form.form_errors)


# --------------------------------------------------------------------------- transfers


@bp.route("/transfers")
@permission_required("parts.transfer")
def transfer_list():
    """Both directions: what this store sent and what is on its way to it."""
    page = transfers.transfer_page(after=request.args.get("after"))
    return render_htmx(
        "parts/transfer_list.html",
        "parts/_transfer_rows.html",
        rows=page,
        read_only=_read_only(),
        next_url=url_for("parts.transfer_list", after=page.next_token) if page.has_more else None,
    )


@bp.route("/transfers/new", methods=["GET", "POST"])
@permission_required("parts.transfer")
def transfer_new():
    form = TransferForm()
    form.dest_store_id.choices = [("", _("请选择"))] + [(s.id, s.name) for s in transfers.destinations()]

    def send():
        row = stock.find_by_code(form.code.data, "code")
        return transfers.send(row.id, form.dest_store_id.data, form.quantity.data, form.note.data or "")

    if form.validate_on_submit() and attempt(form, send):
        return redirect_to(url_for("parts.transfer_list"))
    _failed()
    return render_template("parts/transfer_new.html", form=form)


def _transfer_done(form: ActionForm, call):
    if form.validate_on_submit() and attempt(form, call):
        return redirect_to(url_for("parts.transfer_list"))
    rollback_only()
    page = transfers.transfer_page()
    return render_template(
        "parts/transfer_list.html", rows=page, read_only=_read_only(), next_url=None, errors=form.form_errors
    )


@bp.route("/transfers/<int:part_transfer_id>/receive", methods=["POST"])
@permission_required("parts.transfer")
def transfer_receive(part_transfer_id: int):
    transfers.get_transfer(part_transfer_id)
    return _transfer_done(ActionForm(), lambda: transfers.receive(part_transfer_id))


@bp.route("/transfers/<int:part_transfer_id>/cancel", methods=["POST"])
@permission_required("parts.transfer")
def transfer_cancel(part_transfer_id: int):
    transfers.get_transfer(part_transfer_id)
    return _transfer_done(ActionForm(), lambda: transfers.cancel(part_transfer_id))


# --------------------------------------------------------------------------- RO parts lines


def _ro_parts_fragment(repair_order_id: int, form: RoPartForm):
    from ..service.services import repair_orders

    ro = repair_orders.get_repair_order(repair_order_id)
    from .services import ro_parts

    return render_template(
        "parts/_ro_parts.html", ro=ro, ro_parts=ro_parts.lines_for(ro.id), ro_part_form=form, read_only=_read_only()
    )


@bp.route("/repair-orders/<int:repair_order_id>/parts")
@permission_required("service.view")
def ro_parts_panel(repair_order_id: int):
    """The RO page's parts panel (loaded on its own): the lines and the form to add one."""
    return _ro_parts_fragment(repair_order_id, RoPartForm(formdata=None))


@bp.route("/repair-orders/<int:repair_order_id>/parts", methods=["POST"])
@permission_required("parts.ro")
def ro_part_add(repair_order_id: int):
    """Add a parts line to an RO (reserved; issued at once when work has started)."""
    from ..service.services import parts_lines, repair_orders

    repair_orders.get_repair_order(repair_order_id)
    form = RoPartForm()
    if form.validate_on_submit() and attempt(form, lambda: parts_lines.add_part_line(repair_order_id, dict(form.data))):
        return redirect_to(url_for("service.repair_order_detail", repair_order_id=repair_order_id))
    rollback_only()
    return _ro_parts_fragment(repair_order_id, form)


@bp.route("/ro-parts/<int:repair_order_part_id>/remove", methods=["POST"])
@permission_required("parts.ro")
def ro_part_remove(repair_order_part_id: int):
    """Remove a parts line (its reservation released, or issued parts returned)."""
    from ..service.services import parts_lines
    from .services import ro_parts

    line = ro_parts.get_line(repair_order_part_id)
    form = ActionForm()
    if form.validate_on_submit() and attempt(form, lambda: parts_lines.remove_part_line(repair_order_part_id)):
        return redirect_to(url_for("service.repair_order_detail", repair_order_id=line.repair_order_id))
    rollback_only()
    fragment_form = RoPartForm(formdata=None)
    fragment_form.form_errors = form.form_errors
    return _ro_parts_fragment(line.repair_order_id, fragment_form)
