"""Service rules, one file per aggregate: ``rules`` (errors, the state tables, money),
``catalogue`` (labour operations, packages, rates), ``repair_orders`` (reception, lines,
quality check, settlement, closing), ``work`` (the technician's start/pause/finish and the
workshop board), ``appointments`` (slots and bookings). Services take plain values, flush,
write audit rows and never touch the request or commit."""
