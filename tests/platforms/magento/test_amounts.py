"""Amounts: missing ones are zero, but a value that is not a number is a typed error."""

from __future__ import annotations

from decimal import Decimal

import pytest

from platforms.errors import PayloadError
from platforms.magento.convert import to_decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "0"), ("", "0"), ("12.1000", "12.1000"), (12.1, "12.1"), (7, "7")],
)
def test_missing_amounts_are_zero_and_numbers_are_exact(value: object, expected: str) -> None:
    assert to_decimal(value) == Decimal(expected)


@pytest.mark.parametrize("value", ["abc", "12,50", "NaN", "Infinity", [1]])
def test_an_amount_that_is_not_a_number_is_a_payload_error(value: object) -> None:
    with pytest.raises(PayloadError) as caught:
        to_decimal(value)
    assert str(value) not in caught.value.message  # we describe, we do not echo payloads
