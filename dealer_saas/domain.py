"""The rules kernel every module uses: domain errors, state transitions, and the one view
helper that runs a service call and puts its error beside the right field.

A module keeps only its own table of moves, labels and messages; the mechanics live here
once (STYLE point 20)::

    ORDER_MOVES = Transitions({"draft": {"submitted", "cancelled"}, ...}, ORDER_STATUSES,
                              error=InvalidTransition, stale=StaleEdit)
    ORDER_MOVES.apply(order, "submitted", summary=order.number)

Module errors subclass :class:`DomainError` (``class SalesError(DomainError)``), so the
module's own ``except SalesError`` clauses and the kernel's ``attempt`` both catch them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask_babel import gettext, lazy_gettext
from sqlalchemy.orm.exc import StaleDataError

from .extensions import db
from .i18n import N_


class DomainError(Exception):
    """A rule refused the action; the message is safe to show. ``field`` names the form
    field it belongs beside (None: the whole form)."""

    def __init__(self, message: Any, field: str | None = None):
        super().__init__(str(message))
        self.field = field


class InvalidTransition(DomainError):
    """A state change the module's table of moves does not allow."""


class StaleEdit(DomainError):
    """Someone else saved the row first (optimistic locking: ``version_id_col``)."""

    def __init__(self, message: Any = None, field: str | None = None):
        super().__init__(message or lazy_gettext("已被他人修改，请刷新后重试"), field)


#: the default refusal; ``%(a)s`` is the current state's label, ``%(b)s`` the target's
MOVE_REFUSED = N_("当前状态“%(a)s”不能变为“%(b)s”。")
#: the refusal of an action-driven table; ``%(s)s`` is the state, ``%(a)s`` the action
ACTION_REFUSED = N_("当前状态「%(s)s」不能执行「%(a)s」。")


class Transitions:
    """One state machine: which states may follow which, and the one way to move.

    ``moves`` maps a state to the states it may become. ``actions`` (optional) names the
    moves a user triggers: ``{(state, action): target}``; a table given only as actions
    derives its moves from them. ``labels`` (and ``action_labels``) are what the user reads
    in refusals. ``attr`` is the state column; ``audit_fields`` are snapshotted besides it.
    ``error`` and ``stale`` are the module's subclasses of :class:`InvalidTransition` and
    :class:`StaleEdit`, so a module's ``except`` clauses keep catching them.
    """

    def __init__(
        self,
        moves: Mapping[str, Iterable[str]] | None = None,
        labels: Mapping[str, Any] | None = None,
        *,
        actions: Mapping[tuple[str, str], str] | None = None,
        action_labels: Mapping[str, Any] | None = None,
        attr: str = "status",
        audit_fields: Iterable[str] = (),
        error: type[InvalidTransition] = InvalidTransition,
        stale: type[StaleEdit] = StaleEdit,
        message: str = MOVE_REFUSED,
        action_message: str = ACTION_REFUSED,
    ):
        self.actions: dict[tuple[str, str], str] = dict(actions or {})
        table: dict[str, set[str]] = {state: set(targets) for state, targets in (moves or {}).items()}
        for (state, _action), target in self.actions.items():
            table.setdefault(state, set()).add(target)
            table.setdefault(target, set())
        self.moves: dict[str, frozenset[str]] = {state: frozenset(t) for state, t in table.items()}
        self.labels = labels or {}
        self.action_labels = action_labels or {}
        self.attr = attr
        self.audit_fields = tuple(audit_fields)
        self.error = error
        self.stale = stale
        self.message = message
        self.action_message = action_message

    # ------------------------------------------------------------------ reading

    @property
    def states(self) -> tuple[str, ...]:
        return tuple(self.moves)

    def label(self, state: str) -> str:
        return str(self.labels.get(state, state))

    def allowed(self, state: str) -> frozenset[str]:
        """The states ``state`` may become."""
        return self.moves.get(state, frozenset())

    def can(self, obj: Any, target: str) -> bool:
        return target in self.allowed(getattr(obj, self.attr))

    def is_final(self, state: str) -> bool:
        return not self.allowed(state)

    def actions_for(self, obj: Any) -> list[str]:
        """The actions the row's current state offers, in table order."""
        state = getattr(obj, self.attr)
        return [action for (from_state, action) in self.actions if from_state == state]

    # ------------------------------------------------------------------ refusing

    def check(self, obj: Any, target: str) -> None:
        """Refuse a move the table does not allow (raises the module's ``error``)."""
        state = getattr(obj, self.attr)
        if target not in self.allowed(state):
            raise self.error(gettext(self.message, a=self.label(state), b=self.label(target)))

    def target_of(self, obj: Any, action: str) -> str:
        """The state an action leads to from the row's current state; refused otherwise."""
        state = getattr(obj, self.attr)
        target = self.actions.get((state, action))
        if target is None:
            raise self.error(
                gettext(self.action_message, s=self.label(state), a=str(self.action_labels.get(action, action)))
            )
        return target

    # ------------------------------------------------------------------ moving

    def apply(
        self,
        obj: Any,
        target: str,
        *,
        changes: Mapping[str, Any] | None = None,
        summary: str = "",
        checked: bool = False,
    ) -> None:
        """The one place a state changes: checked against the table (unless the caller
        already did, ``checked=True``), the ``changes`` that go with it set, flushed (a
        stale version becomes the module's ``stale`` error), audit-logged before/after."""
        from . import audit

        if not checked:
            self.check(obj, target)
        changes = dict(changes or {})
        fields = list(dict.fromkeys([self.attr, *self.audit_fields, *changes]))
        before = audit.snapshot(obj, fields)
        for name, value in changes.items():
            setattr(obj, name, value)
        setattr(obj, self.attr, target)
        flush_or_stale(self.stale)
        audit.record("transition", obj, before=before, after=audit.snapshot(obj, fields), summary=summary)

    def apply_action(self, obj: Any, action: str, **kwargs: Any) -> str:
        """Apply the move an action names; returns the new state."""
        target = self.target_of(obj, action)
        self.apply(obj, target, checked=True, **kwargs)
        return target


def flush_or_stale(stale: type[StaleEdit] = StaleEdit) -> None:
    """Flush the unit of work; a row someone else saved first becomes ``stale``."""
    try:
        db.session.flush()
    except StaleDataError:
        raise stale() from None


# --------------------------------------------------------------------------- views


def attach_error(form: Any, error: DomainError) -> None:
    """Put a domain error beside its field, on a group of fields (``form.<field>_errors``,
    e.g. the delivery checklist), or above the form; the request will not commit."""
    from .web import rollback_only

    rollback_only()
    message = str(error)
    name = error.field
    group = getattr(form, f"{name}_errors", None) if name else None
    field = getattr(form, name, None) if name else None
    if isinstance(group, list):
        group.append(message)
    elif field is not None and hasattr(field, "errors") and not isinstance(field.errors, dict):
        field.errors = [*field.errors, message]
    else:
        form.form_errors = [*(getattr(form, "form_errors", None) or []), message]


def attempt(form: Any, call: Callable[[], Any]) -> Any:
    """Run one service call in a savepoint. A domain error is put beside its field (or on
    the form), the savepoint is rolled back and the request will not commit.

    Returns the service's result (``True`` when it returns nothing), or ``None`` when a
    rule refused it, so ``if attempt(form, ...):`` reads as "if it worked"."""
    try:
        with db.session.begin_nested():
            result = call()
    except DomainError as error:
        attach_error(form, error)
        return None
    return True if result is None else result
