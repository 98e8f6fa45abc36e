"""HX-Trigger events of the service module (camelCase past tense, id-only payloads)."""

RO_STATE_CHANGED = "roStateChanged"
RO_LINE_WORKED = "roLineWorked"
APPOINTMENT_SAVED = "serviceAppointmentSaved"
CATALOGUE_SAVED = "labourCatalogueSaved"
