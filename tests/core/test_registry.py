"""Modules declare their menu, permissions, role grants and settings; the core collects them."""

from __future__ import annotations

from dealer_saas import MODULES, permissions, registry


def test_every_module_package_declares_itself():
    declared = {spec.name for spec in registry.specs()}
    packages = {name.rsplit(".", 1)[-1] for name in MODULES}
    # auth has no menu, permission or setting of its own
    assert packages - {"auth"} <= declared
    assert "core" in declared


def test_every_permission_is_granted_to_some_builtin_role_besides_the_group_admin():
    roles = permissions.builtin_roles()
    granted = set().union(*(role.permissions for code, role in roles.items() if code != permissions.GROUP_ADMIN))
    # the organisation and store screens and the role editor are the group admin's alone, and
    # the platform's power belongs to no organisation role
    group_admin_only = {"admin.stores", "admin.roles", permissions.PLATFORM}
    assert permissions.all_permissions() - granted == group_admin_only
    assert roles[permissions.GROUP_ADMIN].permissions == permissions.all_permissions() - {permissions.PLATFORM}


def test_grants_name_only_declared_permissions_and_roles():
    labels = permissions.permission_labels()
    for spec in registry.specs():
        for role, names in spec.grants.items():
            assert role in permissions.ROLE_CODES, (spec.name, role)
            assert set(names) <= set(labels), (spec.name, set(names) - set(labels))


def test_every_menu_entry_points_at_a_route_and_a_declared_permission(app):
    endpoints = set(app.view_functions)
    for entry in registry.menu():
        assert entry.endpoint in endpoints, entry
        assert entry.permission in permissions.all_permissions(), entry


def test_menu_keeps_its_declared_order():
    orders = [entry.order for entry in registry.menu()]
    assert orders == sorted(orders)
    assert registry.menu()[0].endpoint == "dashboard.index"


def test_settings_sections_have_unique_fields_and_declared_permissions():
    names: list[str] = []
    for section in registry.settings_sections():
        assert section.permission in permissions.all_permissions()
        names.extend(section.fields)
    assert len(names) == len(set(names))
    assert {"callback_h", "threshold_sales_manager", "default_deposit"} <= set(names)
