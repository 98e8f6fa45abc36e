"""HX-Trigger events of the surveys module (camelCase past tense, id-only payloads)."""

SURVEY_TEMPLATE_SAVED = "surveyTemplateSaved"
