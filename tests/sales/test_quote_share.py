"""The quote share link (issue 14, floor item 11): shown on the configured public address
(``PUBLIC_BASE_URL``, else the request's host), with a share/copy button driven by a static
script (Web Share API, clipboard fallback): no inline script, no onclick."""

from __future__ import annotations

import re
from decimal import Decimal as D
from pathlib import Path

from dealer_saas.sales import services

from ..conftest import login

ROOT = Path(__file__).resolve().parents[2]


def _quote(w, in_store):
    with in_store(w.consultant):
        return services.create_quote(w.customer.id, {"model_id": w.model.id, "discount": D("1000")})


def _share_input(body: str) -> str:
    return re.search(r'id="share-url"[^>]*value="([^"]+)"', body).group(1)


def test_link_uses_the_public_base_url(w, app, in_store, monkeypatch):
    quote = _quote(w, in_store)
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://crm.example.com/")
    client = login(app.test_client(), w.consultant, w.store)
    body = client.get(f"/sales/quotes/{quote.id}").get_data(as_text=True)
    assert _share_input(body) == f"https://crm.example.com/sales/q/{quote.share_token}"
    assert "localhost" not in body[body.index('id="share-url"') :]
    # the link opens the customer's page
    assert client.get(f"/sales/q/{quote.share_token}").status_code == 200


def test_link_falls_back_to_the_request_host(w, app, in_store, monkeypatch):
    quote = _quote(w, in_store)
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "")
    client = login(app.test_client(), w.consultant, w.store)
    body = client.get(f"/sales/quotes/{quote.id}").get_data(as_text=True)
    assert _share_input(body) == f"http://localhost/sales/q/{quote.share_token}"


def test_share_button_without_inline_script(w, app, in_store):
    quote = _quote(w, in_store)
    client = login(app.test_client(), w.consultant, w.store)
    body = client.get(f"/sales/quotes/{quote.id}").get_data(as_text=True)
    button = re.search(r'<button[^>]*data-testid="share-button"[^>]*>', body).group(0)
    assert f"/sales/q/{quote.share_token}" in button and "data-share-done" in button
    assert "/static/js/share.js" in body
    assert "onclick" not in body and "<script>" not in body
    shared = client.get(f"/sales/q/{quote.share_token}").get_data(as_text=True)
    assert "onclick" not in shared and "data-print" in shared
    script = (ROOT / "static" / "js" / "share.js").read_text()
    assert "navigator.share" in script and "navigator.clipboard" in script


def test_readme_documents_the_setting():
    readme = (ROOT / "README.md").read_text()
    production = readme[readme.index("## Production") :]
    assert "`PUBLIC_BASE_URL`" in production[: production.index("```")]


def test_staff_signed_in_see_the_customer_page_without_the_staff_header(w, app, in_store):
    """A consultant who opens the link they send sees what the customer sees: no menu, no
    store switcher, no tab bar (public pages extend ``public_base.html``)."""
    quote = _quote(w, in_store)
    client = login(app.test_client(), w.consultant, w.store)
    staff_page = client.get(f"/sales/quotes/{quote.id}").get_data(as_text=True)
    assert 'id="module-nav"' in staff_page
    shared = client.get(f"/sales/q/{quote.share_token}").get_data(as_text=True)
    assert quote.share_token and 'id="module-nav"' not in shared
    assert "navbar" not in shared and 'data-testid="tab-bar"' not in shared and "has-tab-bar" not in shared
    refused = client.get("/sales/q/not-a-token")
    assert refused.status_code == 404
