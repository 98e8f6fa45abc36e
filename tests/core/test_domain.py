"""The rules kernel: one Transitions helper, one error family, one view helper (attempt)."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from wtforms import StringField

from dealer_saas import domain, tenancy
from dealer_saas.audit import AuditLog
from dealer_saas.extensions import db
from dealer_saas.tenancy import Store

from .. import factories

MOVES = domain.Transitions(
    {"draft": {"sent"}, "sent": {"done", "draft"}, "done": set()},
    {"draft": "草稿", "sent": "已发送", "done": "完成"},
)
ACTIONS = domain.Transitions(
    actions={("open", "win"): "won", ("open", "lose"): "lost", ("lost", "reopen"): "open"},
    labels={"open": "跟进中", "won": "成交", "lost": "战败"},
    action_labels={"win": "成交", "lose": "战败", "reopen": "重新激活"},
)


class Row:
    def __init__(self, status):
        self.status = status


def test_allowed_moves_and_refusals_name_both_states(app):
    row = Row("draft")
    assert MOVES.can(row, "sent") and not MOVES.can(row, "done")
    assert MOVES.is_final("done") and not MOVES.is_final("sent")
    with app.test_request_context():
        with pytest.raises(domain.InvalidTransition) as refused:
            MOVES.check(row, "done")
    assert "草稿" in str(refused.value) and "完成" in str(refused.value)


def test_actions_derive_the_moves_and_refuse_unknown_actions(app):
    assert ACTIONS.allowed("open") == {"won", "lost"}
    assert ACTIONS.allowed("won") == frozenset()
    row = Row("open")
    assert ACTIONS.actions_for(row) == ["win", "lose"]
    assert ACTIONS.target_of(row, "lose") == "lost"
    with app.test_request_context():
        with pytest.raises(domain.InvalidTransition) as refused:
            ACTIONS.target_of(row, "reopen")
    assert "跟进中" in str(refused.value) and "重新激活" in str(refused.value)


def test_module_errors_are_raised_and_caught_as_the_modules_own(app):
    class SalesLikeError(domain.DomainError):
        pass

    class SalesLikeTransition(SalesLikeError, domain.InvalidTransition):
        pass

    table = domain.Transitions({"a": {"b"}}, error=SalesLikeTransition)
    with app.test_request_context():
        with pytest.raises(SalesLikeError):
            table.check(Row("b"), "a")


def test_apply_sets_flushes_and_audits_before_and_after(app):
    store = factories.StoreFactory(brands="")
    table = domain.Transitions({"": {"x"}}, attr="brands")
    with tenancy.system():
        table.apply(store, "x", changes={"city": "佛山"}, summary="brands set")
        assert (store.brands, store.city) == ("x", "佛山")
        row = db.session.execute(db.select(AuditLog).where(AuditLog.summary == "brands set")).scalar_one()
    assert row.action == "transition"
    assert row.before["brands"] == "" and row.after == {"brands": "x", "city": "佛山"}


class _Form(FlaskForm):
    name = StringField()

    class Meta:
        csrf = False


def test_attempt_returns_the_result_or_puts_the_error_beside_its_field(app):
    with app.test_request_context():
        form = _Form()
        assert domain.attempt(form, lambda: 42) == 42
        assert domain.attempt(form, lambda: None) is True

        def refused():
            raise domain.DomainError("名字已被使用", field="name")

        assert domain.attempt(form, refused) is None
        assert form.name.errors == ["名字已被使用"]

        def refused_form():
            raise domain.DomainError("整张表单的错误")

        assert domain.attempt(form, refused_form) is None
        assert form.form_errors == ["整张表单的错误"]
        from flask import g

        assert g.rollback_only is True


def test_attempt_rolls_back_what_the_refused_call_wrote(app):
    store = factories.StoreFactory(name="原名")
    db.session.flush()

    def rename_then_refuse():
        store.name = "改了又退回"
        db.session.flush()
        raise domain.DomainError("不行")

    with app.test_request_context(), tenancy.system():
        assert domain.attempt(_Form(), rename_then_refuse) is None
        db.session.expire(store)
        assert db.session.get(Store, store.id).name == "原名"
