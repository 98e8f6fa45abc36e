"""Customer rules, one file per aggregate: normalised unique mobiles per store, pinyin for
search, who may see whom, vehicles with owner history, contacts, duplicates and merge,
owner assignment.

- ``_common``: the errors, the visibility rule applied to customers, the PII rule, look-up by mobile
- ``search``: the search box and the list (queries kept exactly as tuned)
- ``customers``: create, edit, tags, assignment and claiming
- ``vehicles``: customers' cars, VINs, owner history and transfers
- ``contacts``: contact persons of company customers
- ``merge``: duplicate groups and merging two customers
- ``pii``: who saw full numbers (``view_pii`` audit rows), the hourly ceiling on opening
  customer records and freezing an account
- ``deleting``: soft delete by managers, restore within 30 days, the purge

Everything is re-exported here, so ``services.create_customer(...)`` and
``from dealer_saas.customers.services import CustomerQuery`` keep working; a few private
helpers of the single file stay importable from here for code written against it.
"""

from __future__ import annotations

from ._common import (
    COUNT_LIMIT,
    PAGE_SIZE,
    CustomerError,
    DuplicateMobile,
    DuplicateVin,
    FieldError,
    StaleRecord,
    StaleVehicle,
    can_see_full_mobile,
    can_see_id_number,
    find_by_mobile,
    get_customer,
    is_visible,
    live_customers,
    visible_customers,
)
from .contacts import add_contact, get_contact, remove_contact, update_contact
from .customers import (
    assign_customers,
    assignable_users,
    can_call,
    can_claim,
    claim_customer,
    create_customer,
    find_or_create_for_visit,
    followed_by,
    may_own_customers,
    parse_tags,
    store_owners,
    update_customer,
)
from .deleting import (
    ANONYMOUS_NAME,
    RESTORE_DAYS,
    can_delete,
    delete_customer,
    get_deleted_customer,
    purge_deleted,
    recently_deleted,
    restore_customer,
    restore_until,
)
from .delivered import OWNER_LEVEL, attach_delivered_vehicle, mark_customer_owner
from .header import Header, customer_360
from .merge import DuplicateGroup, duplicate_groups, merge_customers
from .pii import (
    full_fields_on_contacts,
    full_fields_on_detail,
    full_fields_on_form,
    record_list_view,
    record_open,
    record_pii_view,
)
from .search import (
    FILTERS,
    LIKE_ESCAPE,
    SORTS,
    CustomerPage,
    CustomerQuery,
    list_filter_options,
    matching_customers,
    search_clause,
    search_customers,
    store_tags,
)
from .vehicles import (
    add_vehicle,
    get_vehicle,
    transfer_vehicle,
    update_vehicle,
    vehicles_of,
)

__all__ = [
    "PAGE_SIZE",
    "COUNT_LIMIT",
    "CustomerError",
    "DuplicateMobile",
    "DuplicateVin",
    "StaleRecord",
    "FieldError",
    "StaleVehicle",
    "visible_customers",
    "get_customer",
    "is_visible",
    "can_see_full_mobile",
    "can_see_id_number",
    "find_by_mobile",
    "SORTS",
    "FILTERS",
    "LIKE_ESCAPE",
    "search_clause",
    "CustomerQuery",
    "CustomerPage",
    "matching_customers",
    "search_customers",
    "store_tags",
    "list_filter_options",
    "find_or_create_for_visit",
    "assignable_users",
    "store_owners",
    "may_own_customers",
    "can_claim",
    "can_call",
    "followed_by",
    "Header",
    "customer_360",
    "parse_tags",
    "create_customer",
    "update_customer",
    "assign_customers",
    "claim_customer",
    "get_vehicle",
    "OWNER_LEVEL",
    "attach_delivered_vehicle",
    "mark_customer_owner",
    "add_vehicle",
    "update_vehicle",
    "transfer_vehicle",
    "vehicles_of",
    "get_contact",
    "add_contact",
    "update_contact",
    "remove_contact",
    "DuplicateGroup",
    "duplicate_groups",
    "merge_customers",
    "live_customers",
    "RESTORE_DAYS",
    "ANONYMOUS_NAME",
    "can_delete",
    "delete_customer",
    "get_deleted_customer",
    "recently_deleted",
    "restore_customer",
    "restore_until",
    "purge_deleted",
    "full_fields_on_contacts",
    "full_fields_on_detail",
    "full_fields_on_form",
    "record_pii_view",
    "record_list_view",
    "record_open",
]
