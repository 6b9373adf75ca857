"""Refund lines put on the lines of their order: child rows to their parent line, strays out."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from platforms.canonical import LineItem, Money, Order, Refund, RefundLine


@dataclass
class _Tally:
    """What a refund says about one order line, row by row."""

    line: LineItem
    direct: int = 0  # units named on the line itself
    from_parts: int = 0  # whole units implied by its child rows
    named: bool = False
    subtotal: Decimal | None = None
    rows: list[RefundLine] = field(default_factory=list)

    def add(self, row: RefundLine, units: int | None) -> None:
        if units is None:
            self.named, self.direct = True, self.direct + row.quantity
        else:
            self.from_parts = max(self.from_parts, units)
        if row.subtotal is not None:
            self.subtotal = (self.subtotal or Decimal(0)) + row.subtotal.amount
        self.rows.append(row)

    def merged(self, currency: str) -> RefundLine:
        quantity = self.direct if self.named else self.from_parts
        restocked = [r.restocked for r in self.rows if r.restocked is not None]
        return RefundLine(
            line_item_external_id=self.line.external_id,
            quantity=min(quantity, self.line.quantity),
            restock_type=next((r.restock_type for r in self.rows if r.restock_type), None),
            restocked=any(restocked) if restocked else None,
            subtotal=None
            if self.subtotal is None
            else Money(amount=self.subtotal, currency_code=currency),
        )


def refund_on_order_lines(refund: Refund, order: Order) -> Refund:
    """The refund with every line naming a line of `order` (docs/money.md, refunds):

    - a row naming an order line stays (rows naming the same line are merged);
    - a row naming a child row of a line (`LineItem.components`: a Magento configurable's
      or bundle's child item) is attributed to that line: its subtotal is added, and when
      the line itself is not named its quantity is the child's quantity in whole line
      units (a part of a unit counts as that unit), capped at the line's quantity;
    - a row naming nothing of the order is dropped (it is no line a client could join).
    """
    lines = {line.external_id: line for line in order.line_items}
    parts = {
        part.external_id: (line, part.per_unit)
        for line in order.line_items
        for part in line.components
    }
    tallies: dict[str, _Tally] = {}
    for row in refund.lines:
        ident = row.line_item_external_id
        if ident in lines:
            tallies.setdefault(ident, _Tally(lines[ident])).add(row, None)
        elif ident in parts:
            line, per_unit = parts[ident]
            units = math.ceil(Decimal(row.quantity) / per_unit) if per_unit > 0 else row.quantity
            tallies.setdefault(line.external_id, _Tally(line)).add(row, units)
    currency = refund.amount.currency_code
    kept = tuple(t.merged(currency) for t in tallies.values())
    return refund if kept == refund.lines else refund.model_copy(update={"lines": kept})
