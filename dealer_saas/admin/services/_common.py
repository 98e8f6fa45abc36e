"""What every part of the administration rules shares: the error, the scope (a group role
acts on the whole organisation, a store-level one on the active store) and the code and
username formats.

Stores, users, memberships and roles are not store-scoped rows, so the tenancy core does not
filter them: every loader here applies the scope itself and answers 404 for a row outside it.
Scope: a holder of a permission in a *group* role (``ctx.group_permissions``) acts on the
whole organisation; a store-level holder acts on the active store only.
"""

from __future__ import annotations

import re

from flask import abort

from ... import permissions, tenancy
from ...domain import DomainError


class AdminError(DomainError):
    """A refused administration change; ``field`` names the form field it belongs to."""


def grantable_permissions() -> frozenset[str]:
    """Permissions an organisation's own role may hold (never the platform's)."""
    return permissions.all_permissions() - {permissions.PLATFORM}


_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")


def org_wide(permission: str) -> bool:
    """Whether the current user holds ``permission`` for the whole organisation."""
    return permission in tenancy.current().group_permissions


def _org_id() -> int:
    ctx = tenancy.current()
    if ctx.org_id is None:
        abort(404)
    return ctx.org_id
