"""Magento and WooCommerce amounts: missing ones are zero, a non-number is a typed error."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from platforms.errors import PayloadError
from platforms.magento.mapping.common import to_decimal
from platforms.woocommerce.mapping.common import decimal_of

# each platform's converter, and a decimal string as that platform writes it
CONVERTERS = [("magento", to_decimal, "12.1000"), ("woocommerce", decimal_of, "12.10")]
AMOUNTS = [
    pytest.param(convert, value, expected, id=f"{platform}-{value!r}")
    for platform, convert, exact in CONVERTERS
    for value, expected in [(None, "0"), ("", "0"), (exact, exact), (12.1, "12.1"), (7, "7")]
]
NOT_NUMBERS = [
    pytest.param(convert, value, id=f"{platform}-{value!r}")
    for platform, convert, _ in CONVERTERS
    for value in ["abc", "12,50", "NaN", "Infinity", [1]]
]


@pytest.mark.parametrize(("convert", "value", "expected"), AMOUNTS)
def test_missing_amounts_are_zero_and_numbers_are_exact(
    convert: Callable[[object], Decimal], value: object, expected: str
) -> None:
    assert convert(value) == Decimal(expected)


@pytest.mark.parametrize(("convert", "value"), NOT_NUMBERS)
def test_an_amount_that_is_not_a_number_is_a_payload_error(
    convert: Callable[[object], Decimal], value: object
) -> None:
    with pytest.raises(PayloadError) as caught:
        convert(value)
    assert str(value) not in caught.value.message  # we describe, we do not echo payloads
