"""What a request showed of customers' full numbers, written as one ``view_pii`` audit row
per page at the end of the request (``services.record_pii_view``; the rules of what counts
are in ``services/pii.py``).

Every place that shows a full number notes it here: the customer pages with their page name
(``note("detail", ...)``), and the shared ``phone()`` template helper, which every module's
templates use (cards, visits, orders ...), under the request's endpoint. The row is written
even when the request's own changes roll back (``web.keep_record``): a refused form still
showed the numbers.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import g, has_request_context, request

from ..web import keep_record
from . import services


def note(page: str | None, customer_id: int, fields: Iterable[str]) -> None:
    """Note that this request shows ``fields`` of the customer in full (nothing outside a
    request: exports and jobs write their own audit rows)."""
    fields = set(fields)
    if not fields or not has_request_context():
        return
    shown = g.get("pii_shown")
    if shown is None:
        shown = g.pii_shown = {}
        keep_record(_write)
    if page is None:  # the phone() helper: part of the page that noted the customer already
        page = next((name for name, customers in shown.items() if customer_id in customers), None)
        page = page or request.endpoint or "page"
    shown.setdefault(page, {}).setdefault(customer_id, set()).update(fields)


def _write() -> None:
    for page, customers in g.pop("pii_shown", {}).items():
        services.record_pii_view(page, {cid: sorted(fields) for cid, fields in customers.items()})
