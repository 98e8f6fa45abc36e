"""The complaints module's services, one file per aggregate: ``rules`` (errors, the state
table), ``cases`` (intake, handling, feedback, the lists), ``escalation`` (SLA breaches),
``report`` (by category, problem type, breaches)."""
