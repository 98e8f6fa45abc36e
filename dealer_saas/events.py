"""Names of the HX-Trigger events one component sends and others listen for.

camelCase past tense; payloads carry ids only. Listeners declare
``hx-trigger="customerSaved from:body"`` and re-GET their own fragment.
"""

STORE_SWITCHED = "storeSwitched"
CUSTOMER_SAVED = "customerSaved"
CUSTOMERS_ASSIGNED = "customersAssigned"
VEHICLE_SAVED = "vehicleSaved"
VISIT_LOGGED = "visitLogged"
CARD_SAVED = "cardSaved"
CARD_LEVEL_CHANGED = "cardLevelChanged"
CARD_CONTACTED = "cardContacted"
CARD_LOST_DECIDED = "cardLostDecided"
TEST_DRIVE_SAVED = "testDriveSaved"
QUOTE_SAVED = "quoteSaved"
ORDER_STATE_CHANGED = "orderStateChanged"
PAYMENT_RECORDED = "paymentRecorded"
STOCK_CHANGED = "stockChanged"
NOTIFICATIONS_CHANGED = "notificationsChanged"
