"""A commercial situation in no platform's words, which every sandbox seeds in its own shape.

The conformance suite (tests/platforms/conformance/) seeds one `Scenario` into every
registered platform's sandbox (`Sandbox.seed_scenario`) and compares what the gateway reads
back: the same situation must give the same canonical answers everywhere (docs/money.md).
The property tests generate scenarios to get valid payloads of every platform.

All rounding happens here, once, so the platforms' payloads agree to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    """Round half-up to cents (what all three platforms do for order amounts)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ScenarioLine:
    """One line: a product sold at `net_unit` (excluding tax) times `quantity`."""

    sku: str
    title: str
    net_unit: Decimal
    quantity: int


@dataclass(frozen=True)
class LineAmounts:
    """One line's money: tax-exclusive, and as a tax-inclusive store enters it (`gross_*`)."""

    net_unit: Decimal
    quantity: int
    net_subtotal: Decimal  # before the discount
    discount: Decimal  # its share of the order discount, net
    net_total: Decimal  # after the discount
    tax: Decimal  # on net_total
    rate: Decimal

    @property
    def gross_unit(self) -> Decimal:
        """The unit price a tax-inclusive store enters: net_unit x (1 + rate), in cents."""
        return cents(self.net_unit * (1 + self.rate))

    @property
    def gross_discount(self) -> Decimal:
        """The discount on the tax-inclusive price (what is left after it is gross total)."""
        return self.gross_unit * self.quantity - (self.net_total + self.tax)


@dataclass(frozen=True)
class Scenario:
    """An order: lines, an order-level percentage discount spread over them, one tax rate on
    lines and shipping, a store that may enter prices with tax, a customer paying in another
    currency than the store's, and a partial refund of one line (restocked)."""

    lines: tuple[ScenarioLine, ...]
    discount_percent: Decimal = Decimal(10)
    discount_code: str = "SAVE10"
    tax_rate: Decimal = Decimal("0.19")  # a fraction
    tax_title: str = "VAT 19%"
    prices_include_tax: bool = True
    shipping_net: Decimal = Decimal("5.00")
    shipping_title: str = "Standard"
    currency: str = "EUR"  # the customer's
    shop_currency: str = "USD"  # the store's base currency
    exchange_rate: Decimal = Decimal("1.1")  # shop currency per customer currency unit
    refund_line: int | None = 2  # index of the line refunded, None for no refund
    refund_quantity: int = 1
    refund_restock: bool = True
    created_at: datetime = field(default=datetime(2026, 6, 15, 12, 0, tzinfo=UTC))

    def amounts(self) -> list[LineAmounts]:
        """Each line's money: the discount spread pro rata, the last line takes the rest."""
        gross = sum((li.net_unit * li.quantity for li in self.lines), Decimal(0))
        left = self.discount_total()
        out = []
        for i, li in enumerate(self.lines):
            subtotal = li.net_unit * li.quantity
            share = left if i == len(self.lines) - 1 else cents(left * subtotal / gross)
            if i < len(self.lines) - 1:
                left -= share
                gross -= subtotal
            net = subtotal - share
            tax = cents(net * self.tax_rate)
            out.append(
                LineAmounts(li.net_unit, li.quantity, subtotal, share, net, tax, self.tax_rate)
            )
        return out

    def discount_total(self) -> Decimal:
        gross = sum((li.net_unit * li.quantity for li in self.lines), Decimal(0))
        return cents(gross * self.discount_percent / 100)

    @property
    def shipping_tax(self) -> Decimal:
        return cents(self.shipping_net * self.tax_rate)

    def subtotal(self) -> Decimal:
        """Lines after discount, net: the canonical subtotal."""
        return sum((a.net_total for a in self.amounts()), Decimal(0))

    def line_tax(self) -> Decimal:
        return sum((a.tax for a in self.amounts()), Decimal(0))

    def total_tax(self) -> Decimal:
        return self.line_tax() + self.shipping_tax

    def total(self) -> Decimal:
        return self.subtotal() + self.shipping_net + self.total_tax()

    def refund(self) -> tuple[Decimal, Decimal] | None:
        """(net subtotal, tax) given back for the refunded units, or None."""
        if self.refund_line is None:
            return None
        line = self.amounts()[self.refund_line]
        share = Decimal(self.refund_quantity) / line.quantity
        return cents(line.net_total * share), cents(line.tax * share)

    def in_shop_currency(self, amount: Decimal) -> Decimal:
        """An amount in the store's base currency."""
        return cents(amount * self.exchange_rate)


STANDARD = Scenario(
    lines=(
        ScenarioLine("CONF-A", "Conformance Mug", Decimal("10.00"), 1),
        ScenarioLine("CONF-B", "Conformance Tee", Decimal("20.00"), 2),
        ScenarioLine("CONF-C", "Conformance Cap", Decimal("30.00"), 1),
    )
)
