"""Write commands, their outcomes and the `PlatformWriter` contract each platform implements."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Protocol

import orjson

from platforms.errors import InvalidInputError, PermanentError

Checkpoint = dict[str, Any]
# Where the platform lets us tag what we create, the tag carries the operation key, so a
# reconcile after an unknown outcome can find the object instead of creating it twice.
TAG_PREFIX = "cartgraph-op:"


class OutcomeUnknownError(PermanentError):
    """A previous attempt may or may not have been applied and the platform's state cannot tell.

    The job is quarantined for a human instead of guessing (a guess is a lost or doubled write).
    """

    code = "OUTCOME_UNKNOWN"


class WriteRefusedError(PermanentError):
    """The platform answered and refused the write (a GraphQL `userErrors` list in a 200
    answer): nothing was written. `details` is what the gateway keeps as the job's result."""

    code = "UPSTREAM_VALIDATION"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None, **where: Any):
        super().__init__(message, **where)
        self.details = details


class StockChangedError(WriteRefusedError):
    """Compare-and-swap: the stock was not the `expectedAvailable` the caller named, so
    nothing was written; `details` holds the level found (`available`)."""

    code = "STOCK_CHANGED"


class IdempotencyKeyReusedError(InvalidInputError):
    """The idempotency key was already used for a different request on this store."""

    code = "IDEMPOTENCY_KEY_REUSED"


def operation_tag(operation_key: str) -> str:
    """The marker written into notes/reasons/comments so a reconcile can find our object."""
    return f"{TAG_PREFIX}{operation_key}"


@dataclass(frozen=True)
class WriteCommand:
    """Base of every write command: platform-neutral, external ids only, JSON-serialisable."""

    kind: ClassVar[str] = ""

    def resource_key(self) -> str:
        """What must be written in order: commands with equal keys run one after another."""
        raise NotImplementedError

    def changes_products(self) -> bool:
        """Whether a success changes what product reads show (price, or stock that some
        platforms report on the product), so cached products of the store are stale."""
        return False

    def payload(self) -> dict[str, Any]:
        """The command's fields as plain JSON values."""
        return asdict(self)

    def canonical_json(self) -> bytes:
        """Byte-stable JSON of kind + fields (sorted keys): what request hashes are made of."""
        body = {"kind": self.kind, "payload": self.payload()}
        return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)

    def request_hash(self) -> str:
        """SHA-256 of the canonical JSON: same command, same hash, in every process."""
        return hashlib.sha256(self.canonical_json()).hexdigest()


@dataclass(frozen=True)
class AdjustInventory(WriteCommand):
    """Change available stock of a variant at a location by `delta` (relative)."""

    kind: ClassVar[str] = "ADJUST_INVENTORY"
    variant_id: str
    location_id: str
    delta: int
    # compare-and-swap: write only if the stock is this now (None: no check)
    expected_available: int | None = None

    def resource_key(self) -> str:
        return f"inventory:{self.variant_id}:{self.location_id}"

    def changes_products(self) -> bool:
        return True

    def payload(self) -> dict[str, Any]:
        return _without_unset_expectation(asdict(self))


@dataclass(frozen=True)
class SetInventory(WriteCommand):
    """Set available stock of a variant at a location to `available` (absolute)."""

    kind: ClassVar[str] = "SET_INVENTORY"
    variant_id: str
    location_id: str
    available: int
    expected_available: int | None = None  # as AdjustInventory's

    def resource_key(self) -> str:
        return f"inventory:{self.variant_id}:{self.location_id}"

    def changes_products(self) -> bool:
        return True

    def payload(self) -> dict[str, Any]:
        return _without_unset_expectation(asdict(self))


def _without_unset_expectation(values: dict[str, Any]) -> dict[str, Any]:
    """A stock write without compare-and-swap keeps the payload (and request hash) it had
    before `expected_available` existed: stored jobs and their keys stay valid."""
    if values.get("expected_available") is None:
        values.pop("expected_available", None)
    return values


@dataclass(frozen=True)
class UpdateVariantPrice(WriteCommand):
    """Set a variant's price (and compare-at price; "" clears it, None leaves it)."""

    kind: ClassVar[str] = "UPDATE_VARIANT_PRICE"
    variant_id: str
    price: str
    compare_at_price: str | None = None

    def resource_key(self) -> str:
        return f"variant:{self.variant_id}"

    def changes_products(self) -> bool:
        return True


@dataclass(frozen=True)
class CancelOrder(WriteCommand):
    """Cancel an order, optionally restocking its items."""

    kind: ClassVar[str] = "CANCEL_ORDER"
    order_id: str
    reason: str | None = None
    restock: bool = False

    def resource_key(self) -> str:
        return f"order:{self.order_id}"

    def changes_products(self) -> bool:
        return self.restock


@dataclass(frozen=True)
class LineQuantity:
    """A quantity of one order line (and, for refunds, whether to restock it)."""

    line_item_id: str
    quantity: int
    restock: bool = False


@dataclass(frozen=True)
class CreateFulfillment(WriteCommand):
    """Ship some lines of an order (all remaining ones when `lines` is empty)."""

    kind: ClassVar[str] = "CREATE_FULFILLMENT"
    order_id: str
    lines: tuple[LineQuantity, ...] = ()
    tracking_company: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    notify: bool = False
    # where the goods leave from (Magento MSI source, Shopify location); None: the default
    location_id: str | None = None

    def resource_key(self) -> str:
        return f"order:{self.order_id}"


@dataclass(frozen=True)
class CreateRefund(WriteCommand):
    """Refund lines, shipping and/or an amount of an order."""

    kind: ClassVar[str] = "CREATE_REFUND"
    order_id: str
    lines: tuple[LineQuantity, ...] = ()
    shipping_amount: str | None = None
    amount: str | None = None
    reason: str | None = None
    notify: bool = False

    def resource_key(self) -> str:
        return f"order:{self.order_id}"

    def changes_products(self) -> bool:
        return any(line.restock for line in self.lines)


COMMANDS: dict[str, type[WriteCommand]] = {
    cls.kind: cls
    for cls in (
        AdjustInventory,
        SetInventory,
        UpdateVariantPrice,
        CancelOrder,
        CreateFulfillment,
        CreateRefund,
    )
}
WRITE_KINDS = frozenset(COMMANDS)


def command_from_payload(kind: str, payload: Mapping[str, Any]) -> WriteCommand:
    """Rebuild a command from its stored kind and payload (the inverse of `payload()`)."""
    try:
        cls = COMMANDS[kind]
    except KeyError:
        raise InvalidInputError(f"Unknown write kind {kind!r}") from None
    values = dict(payload)
    if "lines" in values:
        values["lines"] = tuple(LineQuantity(**line) for line in values["lines"])
    return cls(**values)


@dataclass(frozen=True)
class SettleWindow:
    """How long a write the gateway gave up on may still be applied by the platform.

    `answer_seconds` is how long the gateway waits for an answer (the connection's timeout);
    `platform_seconds` how long the platform may go on with a request after that (its own
    write timeout). An in-doubt write is re-checked only once the window has passed: a
    re-check any sooner may see "not applied", re-send, and then meet the late apply.
    """

    answer_seconds: float
    platform_seconds: float

    def after_failure(self, failed_at: float) -> float:
        """When a write that timed out or lost its connection at `failed_at` has settled."""
        return failed_at + self.platform_seconds

    def after_send(self, sent_at: float) -> float:
        """When a write sent at `sent_at` has settled whatever became of it (a killed worker)."""
        return sent_at + self.answer_seconds + self.platform_seconds


@dataclass(frozen=True)
class WriteOutcome:
    """What the platform did: the resulting object's fields as JSON, and its request id."""

    data: dict[str, Any] = field(default_factory=dict)
    platform_request_id: str | None = None


class PlatformWriter(Protocol):
    """Writes to one store through the platform's real write endpoints.

    None of the three platforms has an idempotency key over REST, so the queue drives each
    write as: `prepare` (read what reconcile needs; stored durably before sending), then
    `execute` (one send, no transport-level retry), and, whenever a previous attempt's outcome
    is unknown (worker died, connection dropped, 5xx after sending), `reconcile` first.
    """

    supported: frozenset[str]

    @property
    def settle(self) -> SettleWindow:
        """How long this store may still apply a write after the gateway gave up on it."""
        ...

    async def prepare(self, command: WriteCommand, *, operation_key: str) -> Checkpoint:
        """Read the state needed to tell later whether the write was applied."""
        ...

    async def execute(
        self, command: WriteCommand, *, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome:
        """Send the write once; raise the hierarchy's error on failure."""
        ...

    async def reconcile(
        self, command: WriteCommand, *, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome | None:
        """The outcome if a previous attempt was applied; None if it was not (safe to send).

        Raises OutcomeUnknownError when the platform's state cannot tell.
        """
        ...
