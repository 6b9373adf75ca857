"""Standard Webhooks signatures as BigCommerce sends them: the spec's own test vector, key
forms, rotation, stale and future timestamps."""

from __future__ import annotations

import pytest

from platforms.bigcommerce.webhooks import TOLERANCE_SECONDS, BigCommerceWebhooks, sign, signing_key

# the Standard Webhooks specification's test vector (standard-webhooks/standard-webhooks)
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIME = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def headers(
    signature: str, message_id: str = VECTOR_ID, stamp: int = VECTOR_TIME
) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": signature,
    }


def adapter(now: float = VECTOR_TIME) -> BigCommerceWebhooks:
    return BigCommerceWebhooks(clock=lambda: now)


def test_the_specs_test_vector_signs_and_verifies() -> None:
    assert sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIME, VECTOR_BODY) == VECTOR_SIGNATURE
    assert adapter().verify(headers(VECTOR_SIGNATURE), VECTOR_BODY, [VECTOR_SECRET])


def test_any_listed_signature_and_any_configured_secret_may_match() -> None:
    several = f"v1,Zm9vYmFy v2,ignored {VECTOR_SIGNATURE}"
    assert adapter().verify(headers(several), VECTOR_BODY, ["whsec_b2xk", VECTOR_SECRET])


@pytest.mark.parametrize(
    ("change", "secrets"),
    [
        ({"webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE"}, [VECTOR_SECRET]),
        ({"webhook-id": "msg_other"}, [VECTOR_SECRET]),
        ({"webhook-timestamp": str(VECTOR_TIME + 1)}, [VECTOR_SECRET]),
        ({}, ["whsec_b3RoZXI="]),
        ({}, []),
        ({"webhook-timestamp": "not-a-time"}, [VECTOR_SECRET]),
    ],
)
def test_anything_else_does_not_verify(change: dict[str, str], secrets: list[str]) -> None:
    assert not adapter().verify({**headers(VECTOR_SIGNATURE), **change}, VECTOR_BODY, secrets)


@pytest.mark.parametrize("offset", [-TOLERANCE_SECONDS - 1, TOLERANCE_SECONDS + 1])
def test_a_timestamp_out_of_tolerance_is_refused(offset: int) -> None:
    assert not adapter(VECTOR_TIME - offset).verify(
        headers(VECTOR_SIGNATURE), VECTOR_BODY, [VECTOR_SECRET]
    )
    assert adapter(VECTOR_TIME - offset // 2).verify(
        headers(VECTOR_SIGNATURE), VECTOR_BODY, [VECTOR_SECRET]
    )


def test_a_plain_client_secret_is_the_key_its_whsec_form_encodes() -> None:
    assert signing_key("whsec_c2VjcmV0") == b"secret" == signing_key("secret")
    signed = sign("secret", "msg_1", VECTOR_TIME, b"{}")
    assert signed == sign("whsec_c2VjcmV0", "msg_1", VECTOR_TIME, b"{}")


def test_the_dedupe_id_is_the_bodys_hash_else_the_webhook_id() -> None:
    body = b'{"scope":"store/order/created","data":{"type":"order","id":7},"hash":"abc"}'
    parsed = adapter().parse(headers(VECTOR_SIGNATURE), body, store_id="s", currency="USD")
    assert (parsed.delivery_id, parsed.refetch_order_ids) == ("abc", ("7",))
    no_hash = b'{"scope":"store/order/created","data":{"type":"order","id":7}}'
    parsed = adapter().parse(headers(VECTOR_SIGNATURE), no_hash, store_id="s", currency="USD")
    assert parsed.delivery_id == VECTOR_ID
