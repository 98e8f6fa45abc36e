"""Pipeline: columns by level, and the level-change endpoint the drag and the select use."""

from __future__ import annotations

import datetime as dt
import json

from dealer_saas.timeutil import local_today

from .. import factories
from .factories import card, save

HX = {"HX-Request": "true"}


def test_pipeline_columns_and_script(client_as, store):
    client, me = client_as("sales_consultant")
    h = card(store, consultant_id=me.id, level="H", customer=factories.CustomerFactory(store=store, name="热客户"))
    card(
        store,
        consultant_id=me.id,
        level="C",
        status="lost",
        customer=factories.CustomerFactory(store=store, name="已战败"),
    )
    save()
    body = client.get("/leads/pipeline").get_data(as_text=True)
    assert "热客户" in body and "已战败" not in body
    assert 'data-level="H"' in body and f'id="pipeline-card-{h.id}"' in body
    assert "sortablejs-1.15.7/Sortable.min.js" in body and "X-CSRFToken" in body


def test_change_level_ok(client_as, store):
    client, me = client_as("sales_consultant")
    row = card(store, consultant_id=me.id, level="C", next_contact_on=local_today() + dt.timedelta(days=15))
    save()
    response = client.post(f"/leads/cards/{row.id}/level", headers=HX, data={"level": "H"})
    assert response.status_code == 200
    assert f'id="pipeline-card-{row.id}"' in response.get_data(as_text=True)
    assert json.loads(response.headers["HX-Trigger"])["cardLevelChanged"]["level"] == "H"
    from dealer_saas.extensions import db

    db.session.refresh(row)
    assert row.level == "H" and row.next_contact_on <= local_today() + dt.timedelta(days=2)
    no_js = client.post(f"/leads/cards/{row.id}/level", data={"level": "A"})
    assert no_js.status_code == 303


def test_change_level_refused(client_as, store):
    client, me = client_as("sales_consultant")
    lost = card(store, consultant_id=me.id, level="B", status="lost")
    open_card = card(store, consultant_id=me.id, level="B")
    save()
    response = client.post(f"/leads/cards/{lost.id}/level", headers=HX, data={"level": "H"})
    assert response.status_code == 422 and "只有跟进中的卡片" in response.get_data(as_text=True)
    bad = client.post(f"/leads/cards/{open_card.id}/level", headers=HX, data={"level": "Z"})
    assert bad.status_code == 422
    from dealer_saas.extensions import db

    db.session.refresh(lost)
    db.session.refresh(open_card)
    assert lost.level == "B" and open_card.level == "B"
