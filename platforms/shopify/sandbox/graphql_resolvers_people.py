"""Admin GraphQL resolvers over the sandbox's customers and its shop: Customer and Shop."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from platforms.shopify.sandbox.format import SHOP_TZ
from platforms.shopify.sandbox.graphql_context import Ctx, Obj, fixed, money_bag, renamed, resolves
from platforms.shopify.sandbox.graphql_resolvers_orders import (
    ORDER_SORTS,
    ORDER_TERMS,
    address_obj,
    order_obj,
)
from platforms.shopify.sandbox.graphql_schema import gid
from platforms.shopify.sandbox.graphql_search import Term, connection, listed, search, time_key

CUSTOMER_TERMS = {
    "id": Term(lambda c: c["id"], "number"),
    "email": Term(lambda c: c.get("email")),
    "first_name": Term(lambda c: c.get("first_name")),
    "last_name": Term(lambda c: c.get("last_name")),
    "phone": Term(lambda c: c.get("phone")),
    "state": Term(lambda c: c.get("state")),
    "tag": Term(lambda c: [t.strip() for t in str(c.get("tags") or "").split(",") if t.strip()]),
    "orders_count": Term(lambda c: c.get("orders_count"), "number"),
    "created_at": Term(lambda c: c["created_at"], "time"),
    "updated_at": Term(lambda c: c["updated_at"], "time"),
    "": Term(lambda c: [c.get("email"), c.get("first_name"), c.get("last_name")]),
}
CUSTOMER_SORTS: dict[str, Any] = {
    "ID": lambda c: c["id"],
    "NAME": lambda c: f"{c.get('first_name') or ''} {c.get('last_name') or ''}".lower(),
    "CREATED_AT": lambda c: time_key(c["created_at"]),
    "UPDATED_AT": lambda c: time_key(c["updated_at"]),
    "LOCATION": lambda c: str((c.get("default_address") or {}).get("city") or ""),
}


def customer_obj(customer: dict[str, Any]) -> Obj:
    return Obj("Customer", customer)


@resolves("Customer.displayName")
def _display_name(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    name = f"{src.data.get('first_name') or ''} {src.data.get('last_name') or ''}".strip()
    return name or src.data.get("email") or ""


def _served(src: Obj, ctx: Ctx) -> dict[str, Any]:
    """The customer as REST serves it (with order count, spend and consent)."""
    return ctx.served_customers().get(src.data["id"], src.data)


@resolves("Customer.numberOfOrders")
def _orders_count(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return _served(src, ctx).get("orders_count", 0)


@resolves("Customer.amountSpent")
def _spent(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    currency = str(src.data.get("currency") or ctx.state.shop["currency"])
    return money_bag(_served(src, ctx).get("total_spent") or 0, currency)["shopMoney"]


def _subscribed(src: Obj, ctx: Ctx) -> bool:
    consent = _served(src, ctx).get("email_marketing_consent") or {}
    return consent.get("state") == "subscribed"


@resolves("Customer.defaultEmailAddress")
def _email(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    email = src.data.get("email")
    if not email:
        return None
    return {
        "emailAddress": email,
        "marketingState": "SUBSCRIBED" if _subscribed(src, ctx) else "NOT_SUBSCRIBED",
        "marketingOptInLevel": "SINGLE_OPT_IN",
        "marketingUpdatedAt": None,
        "validFormat": True,
        "openTrackingLevel": "UNKNOWN",
        "marketingUnsubscribeUrl": f"https://{ctx.state.shop['domain']}/unsubscribe",
        "openTrackingUrl": f"https://{ctx.state.shop['domain']}/open-tracking",
        "sourceLocation": None,
    }


@resolves("Customer.defaultPhoneNumber")
def _phone(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    phone = src.data.get("phone")
    return {"phoneNumber": phone} if phone else None


@resolves("Customer.defaultAddress")
def _default_address(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    address = src.data.get("default_address")
    return address_obj(address, (address or {}).get("id", 0), "CustomerAddress")


def _address_rows(src: Obj) -> list[dict[str, Any]]:
    # REST serves `addresses` as [the default address]: the sandbox's customers have one
    rows = src.data.get("addresses") or [src.data.get("default_address")]
    return [a for a in rows if a]


def _address(row: dict[str, Any]) -> Any:
    return address_obj(row, int(row.get("id") or 0), "CustomerAddress")


@resolves("Customer.addresses")
def _address_list(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return listed([_address(a) for a in _address_rows(src)], args)


@resolves("Customer.addressesV2")
def _address_connection(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    rows = _address_rows(src)
    return connection(rows, args, lambda a: 0, _address, lambda a: int(a.get("id") or 0))


def _orders_of(src: Obj, ctx: Ctx) -> list[dict[str, Any]]:
    return [o for o in ctx.state.orders if (o.get("customer") or {}).get("id") == src.data["id"]]


@resolves("Customer.orders")
def _orders(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    keep = search(args.get("query"), ORDER_TERMS)
    rows = [o for o in _orders_of(src, ctx) if keep(o)]
    sort = ORDER_SORTS.get(str(args.get("sortKey") or "ID"), ORDER_SORTS["ID"])
    return connection(rows, args, sort, order_obj)


@resolves("Customer.lastOrder")
def _last_order(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    orders = _orders_of(src, ctx)
    return (
        order_obj(max(orders, key=lambda o: (time_key(o["created_at"]), o["id"])))
        if orders
        else None
    )


@resolves("Customer.lifetimeDuration")
def _lifetime(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    days = (datetime.now(UTC) - datetime.fromisoformat(src.data["created_at"])).days
    return f"about {max(1, round(days / 365))} year{'s' if days >= 548 else ''}"


@resolves("Customer.canDelete")
def _can_delete(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return not _served(src, ctx).get("orders_count")


fixed(
    "Customer",
    {
        "locale": "en",
        "dataSaleOptOut": False,
        "productSubscriberStatus": "NEVER_SUBSCRIBED",
        "multipassIdentifier": None,
        "companyContactProfiles": [],
    },
)


# --- the shop -------------------------------------------------------------------------

PLAN_NAMES = {"standard": "Basic", "advanced": "Advanced", "plus": "Plus", "enterprise": "Plus"}

renamed(
    "Shop",
    {"myshopifyDomain": "myshopify_domain", "currencyCode": "currency", "contactEmail": "email"},
)


@resolves("Shop.primaryDomain")
def _domain(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    host = src.data["domain"]
    return {
        "id": gid("Domain", src.data["id"]),
        "host": host,
        "url": f"https://{host}",
        "sslEnabled": True,
    }


@resolves("Shop.url")
def _url(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return f"https://{src.data['domain']}"


@resolves("Shop.plan")
def _plan(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    plan = str(ctx.extras.get("plan", "standard"))
    return {
        "publicDisplayName": PLAN_NAMES.get(plan, "Basic"),
        "partnerDevelopment": False,
        "shopifyPlus": plan in ("plus", "enterprise"),
    }


def _zone() -> tuple[str, str, int]:
    """(abbreviation, "-0400", minutes) of the shop's zone right now."""
    now = datetime.now(SHOP_TZ)
    offset = now.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "-" if minutes < 0 else "+"
    return str(now.tzname()), f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}", minutes


@resolves("Shop.timezoneAbbreviation")
def _zone_name(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return _zone()[0]


@resolves("Shop.timezoneOffset")
def _zone_offset(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return _zone()[1]


@resolves("Shop.timezoneOffsetMinutes")
def _zone_minutes(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return _zone()[2]


@resolves("Shop.enabledPresentmentCurrencies")
def _currencies(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return [src.data["currency"]]


fixed(
    "Shop",
    {
        "description": None,
        "orderNumberFormatPrefix": "#",
        "orderNumberFormatSuffix": "",
        "taxShipping": False,
        "weightUnit": "KILOGRAMS",
        "unitSystem": "METRIC_SYSTEM",
        "setupRequired": False,
        "checkoutApiSupported": True,
        "transactionalSmsDisabled": False,
        "marketingSmsConsentEnabledAtCheckout": False,
        "shopOwnerName": "Sandbox Owner",
        "shipsToCountries": ["US"],
    },
)
