"""Parts rules, one file per aggregate: ``rules`` (errors, quantities, money, numbering),
``stock`` (the one place on hand and reserved change, movements, low and over stock),
``catalogue`` (the part master and a store's stock settings, suppliers), ``purchasing``
(purchase orders, receiving, the suggested order), ``counter_sales``, ``stocktakes``,
``transfers`` and ``ro_parts`` (the parts lines of repair orders, called by the service
module). Services take plain values, flush, write audit rows and never commit."""
