"""Money and the priced lines of an order: one meaning per amount (docs/money.md)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

# ISO 4217 minor units where they are not 2 (docs/money.md).
_ZERO: tuple[str, ...] = ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG")
_ZERO += ("RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF")
_THREE = ("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND")
_MINOR_UNITS = {**dict.fromkeys(_ZERO, 0), **dict.fromkeys(_THREE, 3), "CLF": 4, "UYW": 4}


def minor_units(currency_code: str) -> int:
    """Digits after the decimal point of the currency's minor unit (USD 2, JPY 0, KWD 3)."""
    return _MINOR_UNITS.get(currency_code, 2)


def plain_amount(amount: Decimal, currency_code: str) -> Decimal:
    """`amount` with exactly the currency's minor-unit digits ("20" -> 20.00, "2E+1" ->
    20.00, "12.1000" -> 12.10), or with the fewest more digits that keep it exact (a unit
    price derived by division, 3.3333): never rounded, never in exponent form."""
    if not amount.is_finite():
        return amount  # the field validators reject it with a clear message
    places = minor_units(currency_code)
    exact = amount.normalize()
    digits = max(places, -exact.as_tuple().exponent)  # type: ignore[operator]
    try:
        return amount.quantize(Decimal(1).scaleb(-digits))
    except InvalidOperation:  # more digits than the context holds: keep it as it came
        return amount


def plain_text(amount: Decimal) -> str:
    """A Decimal as a plain decimal string: no exponent even for 1E-7 or 1E+3."""
    return format(amount, "f")


class _Model(BaseModel):
    # as canonical's models: strict, immutable, no stray fields.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class Money(_Model):
    """An exact amount in one currency, always held with the currency's minor units.

    `amount` keeps at least the currency's minor-unit digits ("20.00", "1500" in JPY) and
    more only when the value needs them; it serialises as a plain decimal string, never
    "2E+1" or "20". Sign: positive for every charge, discount and refund (docs/money.md).
    """

    amount: Decimal
    currency_code: CurrencyCode

    @model_validator(mode="after")
    def _plain(self) -> Money:
        # after validation, so JSON input (a string amount) is checked strictly first;
        # the frozen model is set once here, before anyone can read it.
        object.__setattr__(self, "amount", plain_amount(self.amount, self.currency_code))
        return self

    @field_serializer("amount", when_used="json")
    def _plain_json(self, amount: Decimal) -> str:
        return plain_text(amount)


class TaxLine(_Model):
    """One tax applied to an order: `rate` is a fraction (0.19 for 19 %, never 19), None when
    the platform does not say; `amount` is the tax it raised on lines and shipping."""

    title: str
    rate: Decimal | None = None
    amount: Money


class DiscountLine(_Model):
    """A discount applied to an order (code or automatic); `amount` is what it took off the
    order, positive, on the order's tax basis as the platform reports it."""

    code: str | None = None
    kind: str | None = None
    amount: Money


class ShippingLine(_Model):
    """A shipping method charged on an order; `amount` is its charge after shipping
    discounts, excluding tax."""

    title: str
    code: str | None = None
    amount: Money


class LineComponent(_Model):
    """A platform row that is part of a line, not a line (a Magento configurable's or
    bundle's child item): `per_unit` of it go into one unit of the line."""

    external_id: str
    per_unit: Decimal = Decimal(1)


class LineItem(_Model):
    """One purchased line of an order (docs/money.md).

    `unit_price`: one unit's price before any discount, excluding tax. `total_discount`:
    every discount on the line, line-level and its share of order-level discounts,
    excluding tax; zero when none (None only where a platform cannot tell). `total` (derived)
    = unit_price x quantity - total_discount. `components`: the platform's child rows of
    this line, so a refund or shipment naming one is attributed here.
    """

    external_id: str
    title: str
    quantity: int
    unit_price: Money
    total_discount: Money | None = None
    sku: str | None = None
    variant_external_id: str | None = None
    product_external_id: str | None = None
    components: tuple[LineComponent, ...] = ()

    @property
    def total(self) -> Money:
        """The line after every discount, excluding tax: unit x quantity - discount."""
        discount = self.total_discount.amount if self.total_discount else Decimal(0)
        amount = self.unit_price.amount * self.quantity - discount
        return Money(amount=amount, currency_code=self.unit_price.currency_code)
