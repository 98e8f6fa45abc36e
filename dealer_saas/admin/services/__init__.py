"""The administration rules, one file per aggregate (``services.X`` keeps working):

- :mod:`.stores`: stores and their settings;
- :mod:`.users`: users and their memberships (roles per store);
- :mod:`.roles`: built-in and the organisation's own roles;
- :mod:`.orgs`: organisations (the platform screens);
- :mod:`.audit_view`: reading the audit log;
- :mod:`._common`: the error and the admin's scope, shared by all of them.

Stores, users, memberships and roles are not store-scoped rows, so the tenancy core does not
filter them: every loader applies the scope itself and answers 404 for a row outside it.
Scope: a holder of a permission in a *group* role (``ctx.group_permissions``) acts on the
whole organisation; a store-level holder acts on the active store only.
"""

from __future__ import annotations

from ._common import AdminError, _org_id, grantable_permissions, org_wide
from .audit_view import (
    AUDIT_FILTERS,
    AUDIT_PERIODS,
    AUDIT_SORT,
    audit_changes,
    audit_scope_stmt,
    audit_users,
    list_audit,
    org_users_for_filter,
)
from .orgs import (
    ORG_SORT,
    create_organisation,
    get_organisation_or_404,
    is_platform_admin,
    list_organisations,
    set_organisation_active,
)
from .roles import create_role, get_role_or_404, list_roles, permission_groups, update_role
from .stores import (
    STORE_FIELDS,
    create_store,
    get_store_or_404,
    list_stores,
    settings_formdata,
    settings_sections,
    store_settings_values,
    stores_stmt,
    update_store,
    update_store_settings,
)
from .users import (
    USER_SORTS,
    add_membership,
    can_manage_account,
    can_manage_roles,
    create_user,
    frozen_users,
    get_membership_or_404,
    get_user_or_404,
    grantable_roles,
    grantable_stores,
    list_users,
    remove_membership,
    reset_password,
    set_user_active,
    unfreeze_user,
    update_user,
)

__all__ = [
    "frozen_users",
    "unfreeze_user",
    "AdminError",
    "_org_id",
    "grantable_permissions",
    "org_wide",
    "AUDIT_SORT",
    "AUDIT_FILTERS",
    "AUDIT_PERIODS",
    "audit_scope_stmt",
    "list_audit",
    "audit_users",
    "org_users_for_filter",
    "audit_changes",
    "ORG_SORT",
    "is_platform_admin",
    "list_organisations",
    "get_organisation_or_404",
    "create_organisation",
    "set_organisation_active",
    "list_roles",
    "get_role_or_404",
    "create_role",
    "update_role",
    "permission_groups",
    "STORE_FIELDS",
    "stores_stmt",
    "list_stores",
    "get_store_or_404",
    "create_store",
    "update_store",
    "settings_sections",
    "settings_formdata",
    "store_settings_values",
    "update_store_settings",
    "USER_SORTS",
    "list_users",
    "get_user_or_404",
    "can_manage_roles",
    "can_manage_account",
    "grantable_roles",
    "grantable_stores",
    "create_user",
    "update_user",
    "set_user_active",
    "reset_password",
    "add_membership",
    "get_membership_or_404",
    "remove_membership",
]
