"""HX-Trigger events of the parts module (camelCase past tense, id-only payloads)."""

STOCK_CHANGED = "partsStockChanged"
PO_CHANGED = "purchaseOrderChanged"
STOCKTAKE_COUNTED = "stocktakeCounted"
RO_PARTS_CHANGED = "roPartsChanged"
