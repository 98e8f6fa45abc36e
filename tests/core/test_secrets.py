"""Keys: production refuses to start without a real SECRET_KEY and FIELD_ENCRYPTION_KEY;
the field key is never derived from the session key; several field keys rotate
(MultiFernet, `flask rotate-encryption-key`); an undecryptable value is an error, never
an empty field."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet
from flask import current_app
from sqlalchemy import text

from dealer_saas import create_app, crypto
from dealer_saas.config import DEV_FIELD_ENCRYPTION_KEY, DEV_SECRET_KEY
from dealer_saas.customers.models import Customer
from dealer_saas.extensions import db
from dealer_saas.keys import InsecureConfiguration

from .. import factories
from ..auth.helpers import config

GOOD_SECRET = "s" * 20 + "-a-long-random-production-value"
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def _production(**overrides):
    values = {
        "PRODUCTION": True,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "SECRET_KEY": GOOD_SECRET,
        "FIELD_ENCRYPTION_KEY": KEY_A,
    }
    values.update(overrides)
    return create_app(values)


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({"SECRET_KEY": DEV_SECRET_KEY}, "development default"),
        ({"SECRET_KEY": ""}, "SECRET_KEY is missing"),
        ({"SECRET_KEY": "short-but-not-dev"}, "shorter than"),
        ({"FIELD_ENCRYPTION_KEY": None}, "FIELD_ENCRYPTION_KEY is missing"),
        ({"FIELD_ENCRYPTION_KEY": ""}, "FIELD_ENCRYPTION_KEY is missing"),
        ({"FIELD_ENCRYPTION_KEY": DEV_FIELD_ENCRYPTION_KEY}, "development key"),
        ({"FIELD_ENCRYPTION_KEY": f"{KEY_A},not-a-key"}, "key 2 is not a Fernet key"),
    ],
)
def test_production_refuses_to_start_without_real_keys(overrides, reason):
    with pytest.raises(InsecureConfiguration, match=reason):
        _production(**overrides)


def test_production_starts_with_real_keys_and_the_forged_dev_cookie_is_worthless():
    app = _production(FIELD_ENCRYPTION_KEY=f"{KEY_B}, {KEY_A}")
    assert app.config["SECRET_KEY"] == GOOD_SECRET
    # a session cookie signed with the development key is not accepted
    from flask.sessions import SecureCookieSessionInterface

    forger = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": DEV_SECRET_KEY})
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    forged = serializer.dumps({"_user_id": "1", "_fresh": True})
    assert SecureCookieSessionInterface().get_signing_serializer(app).loads_unsafe(forged)[0] is False


def test_outside_production_the_field_key_is_the_named_dev_key_not_derived_from_secret_key():
    one = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "one", "FIELD_ENCRYPTION_KEY": None})
    two = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "two", "FIELD_ENCRYPTION_KEY": None})
    assert one.config["FIELD_ENCRYPTION_KEY"] == two.config["FIELD_ENCRYPTION_KEY"] == DEV_FIELD_ENCRYPTION_KEY
    assert crypto.legacy_key_from_secret("one") != DEV_FIELD_ENCRYPTION_KEY
    with one.app_context():
        token = crypto.encrypt("11010519491231002X")
    with two.app_context():
        assert crypto.decrypt(token) == "11010519491231002X"


def _raw(customer_id: int) -> str:
    return db.session.execute(text("SELECT id_number FROM customers WHERE id = :id"), {"id": customer_id}).scalar()


def test_several_keys_first_encrypts_all_decrypt(store):
    with config(FIELD_ENCRYPTION_KEY=KEY_A):
        old = factories.CustomerFactory(store=store, id_number="11010519491231002X")
        db.session.commit()
    with config(FIELD_ENCRYPTION_KEY=f"{KEY_B},{KEY_A}"):
        new = factories.CustomerFactory(store=store, id_number="360426199101010071")
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Customer, old.id).id_number == "11010519491231002X"
        assert db.session.get(Customer, new.id).id_number == "360426199101010071"
    assert Fernet(KEY_B.encode()).decrypt(_raw(new.id).encode()) == b"360426199101010071"


def test_rotate_command_reencrypts_in_batches_and_is_idempotent(store):
    with config(FIELD_ENCRYPTION_KEY=KEY_A):
        customers = [factories.CustomerFactory(store=store, id_number="11010519491231002X") for _ in range(5)]
        plain = factories.CustomerFactory(store=store, id_number=None)
        db.session.flush()
        ids, plain_id = [c.id for c in customers], plain.id
        db.session.commit()
    runner = current_app.test_cli_runner()
    with config(FIELD_ENCRYPTION_KEY=f"{KEY_B},{KEY_A}"):
        first = runner.invoke(args=["rotate-encryption-key", "--batch-size", "2"])
        assert first.exit_code == 0, first.output
        assert "customers.id_number: 5 re-encrypted, 0 already under the newest key" in first.output
        second = runner.invoke(args=["rotate-encryption-key"])
        assert second.exit_code == 0 and "0 re-encrypted, 5 already under the newest key" in second.output
    for customer_id in ids:
        assert Fernet(KEY_B.encode()).decrypt(_raw(customer_id).encode()) == b"11010519491231002X"
    assert _raw(plain_id) is None
    with config(FIELD_ENCRYPTION_KEY=KEY_B):  # the old key can go now
        db.session.expire_all()
        assert all(db.session.get(Customer, i).id_number == "11010519491231002X" for i in ids)


def test_rotate_can_move_values_from_the_old_key_derived_from_secret_key(store):
    legacy = crypto.legacy_key_from_secret(current_app.config["SECRET_KEY"])
    with config(FIELD_ENCRYPTION_KEY=legacy):
        customer_id = factories.CustomerFactory(store=store, id_number="11010519491231002X").id
        db.session.commit()
    runner = current_app.test_cli_runner()
    with config(FIELD_ENCRYPTION_KEY=KEY_B):
        refused = runner.invoke(args=["rotate-encryption-key"])
        assert refused.exit_code != 0 and "1 value(s) could not be decrypted" in refused.output
        moved = runner.invoke(args=["rotate-encryption-key", "--legacy-secret-key"])
        assert moved.exit_code == 0 and "1 re-encrypted" in moved.output
        db.session.expire_all()
        assert db.session.get(Customer, customer_id).id_number == "11010519491231002X"


def test_undecryptable_value_raises_and_is_logged_never_shown_empty(store, caplog):
    with config(FIELD_ENCRYPTION_KEY=KEY_A):
        customer_id = factories.CustomerFactory(store=store, id_number="11010519491231002X").id
        db.session.commit()
    db.session.expire_all()
    with config(FIELD_ENCRYPTION_KEY=KEY_B), caplog.at_level(logging.ERROR, logger="dealer_saas.crypto"):
        with pytest.raises(crypto.UndecryptableValue, match="cannot be decrypted"):
            db.session.get(Customer, customer_id)
    assert any("could not be decrypted" in r.getMessage() for r in caplog.records)
