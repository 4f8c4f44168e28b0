"""Stripe objects shaped as API version 2025-03-31.basil returns them, built by the generator and `activity`.

Basil moved subscription periods onto `items.data[]`, replaced `invoice.subscription` with
`invoice.parent.subscription_details.subscription` and removed `charge.invoice`
(https://docs.stripe.com/changelog/basil), so these shapes do the same.
"""

from __future__ import annotations

from .world import Company, Plan


def price(plan: Plan, interval: str) -> dict:
    """The recurring price of `plan` per seat; yearly prices give two months free."""
    unit_amount = plan.unit_amount * (10 if interval == "year" else 1)
    return {
        "id": f"price_{plan.name}_{interval}ly",
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": 1672531200,
        "currency": "usd",
        "livemode": False,
        "lookup_key": f"{plan.name}_{interval}ly",
        "metadata": {},
        "nickname": f"{plan.name.title()} ({interval}ly)",
        "product": f"prod_loop_{plan.name}",
        "recurring": {"interval": interval, "interval_count": 1, "meter": None, "usage_type": "licensed"},
        "type": "recurring",
        "unit_amount": unit_amount,
        "unit_amount_decimal": str(unit_amount),
    }


def customer(company: Company) -> dict:
    """The company's billing account."""
    return {
        "id": company.customer_id,
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": company.created,
        "currency": "usd",
        "default_source": None,
        "delinquent": company.fate == "past_due",
        "description": None,
        "email": company.billing_email,
        "invoice_prefix": company.customer_id[4:12].upper(),
        "livemode": False,
        "metadata": {},
        "name": company.name,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
    }


def subscription(company: Company, *, subscription_id: str, status: str, seats: int,
                 period: tuple[int, int], canceled_at: int | None = None, latest_invoice: str | None = None,
                 trial: tuple[int, int] | None = None) -> dict:
    """The company's one subscription with one seat-priced item."""
    item = {
        "id": subscription_item_id(subscription_id),
        "object": "subscription_item",
        "created": company.created,
        "current_period_start": period[0],
        "current_period_end": period[1],
        "discounts": [],
        "metadata": {},
        "price": price(company.plan, company.interval),
        "quantity": seats,
        "subscription": subscription_id,
    }
    return {
        "id": subscription_id,
        "object": "subscription",
        "billing_cycle_anchor": trial[1] if trial else company.created,
        "cancel_at": period[1] if company.cancel_at_period_end else None,
        "cancel_at_period_end": company.cancel_at_period_end,
        "canceled_at": canceled_at,
        "cancellation_details": {"comment": None, "feedback": None,
                                 "reason": "cancellation_requested" if canceled_at else None},
        "collection_method": "charge_automatically",
        "created": company.created,
        "currency": "usd",
        "customer": company.customer_id,
        "days_until_due": None,
        "description": None,
        "discounts": [],
        "ended_at": canceled_at if status == "canceled" else None,
        "items": {"object": "list", "data": [item], "has_more": False, "total_count": 1,
                  "url": f"/v1/subscription_items?subscription={subscription_id}"},
        "latest_invoice": latest_invoice,
        "livemode": False,
        "metadata": {},
        "start_date": company.created,
        "status": status,
        "trial_end": trial[1] if trial else None,
        "trial_start": trial[0] if trial else None,
    }


def subscription_item_id(subscription_id: str) -> str:
    """The id of a subscription's one item (`si_`), derived so that invoices can name it."""
    return f"si_{subscription_id[4:]}"


def invoice(company: Company, *, invoice_id: str, subscription_id: str, seats: int, period: tuple[int, int],
            status: str, paid_at: int | None, number: int) -> dict:
    """A subscription invoice for one billing period (`created` = the period start)."""
    unit = price(company.plan, company.interval)
    amount = unit["unit_amount"] * seats
    line = {
        "id": f"il_{invoice_id[3:]}",
        "object": "line_item",
        "amount": amount,
        "currency": "usd",
        "description": f"{seats} × {unit['nickname']}",
        "invoice": invoice_id,
        "livemode": False,
        "metadata": {},
        "parent": {"type": "subscription_item_details", "invoice_item_details": None,
                   "subscription_item_details": {"invoice_item": None, "proration": False,
                                                 "subscription": subscription_id,
                                                 "subscription_item": subscription_item_id(subscription_id)}},
        "period": {"start": period[0], "end": period[1]},
        "pricing": {"type": "price_details", "unit_amount_decimal": unit["unit_amount_decimal"],
                    "price_details": {"price": unit["id"], "product": unit["product"]}},
        "quantity": seats,
    }
    return {
        "id": invoice_id,
        "object": "invoice",
        "amount_due": amount,
        "amount_paid": amount if status == "paid" else 0,
        "amount_remaining": 0 if status in ("paid", "void") else amount,
        "attempt_count": 1 if status != "void" else 0,
        "attempted": status != "void",
        "billing_reason": "subscription_cycle",
        "collection_method": "charge_automatically",
        "created": period[0],
        "currency": "usd",
        "customer": company.customer_id,
        "customer_email": company.billing_email,
        "customer_name": company.name,
        "due_date": None,
        "lines": {"object": "list", "data": [line], "has_more": False, "total_count": 1,
                  "url": f"/v1/invoices/{invoice_id}/lines"},
        "livemode": False,
        "metadata": {},
        "number": f"{company.customer_id[4:12].upper()}-{number:04d}",
        "parent": {"type": "subscription_details", "quote_details": None,
                   "subscription_details": {"metadata": {}, "subscription": subscription_id}},
        "period_end": period[1],
        "period_start": period[0],
        "status": status,
        "status_transitions": {"finalized_at": period[0], "marked_uncollectible_at": None,
                               "paid_at": paid_at, "voided_at": None},
        "subtotal": amount,
        "total": amount,
    }


FAILURES = {"card_declined": "Your card was declined.", "expired_card": "Your card has expired.",
            "insufficient_funds": "Your card has insufficient funds."}


def charge(customer: dict, *, charge_id: str, amount: int, created: int, description: str,
           failure_code: str | None = None, amount_refunded: int = 0) -> dict:
    """A card charge: succeeded, or failed with `failure_code`; refunded in part or in full."""
    failed = failure_code is not None
    return {
        "id": charge_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": 0 if failed else amount,
        "amount_refunded": amount_refunded,
        "balance_transaction": None if failed else f"txn_{charge_id[3:]}",
        "billing_details": {"address": None, "email": customer["email"], "name": customer["name"], "phone": None},
        "captured": not failed,
        "created": created,
        "currency": "usd",
        "customer": customer["id"],
        "description": description,
        "failure_code": failure_code,
        "failure_message": FAILURES.get(failure_code) if failed else None,
        "livemode": False,
        "metadata": {},
        "outcome": {"network_status": "declined_by_network" if failed else "approved_by_network",
                    "reason": failure_code, "risk_level": "normal", "seller_message":
                    "The bank did not return any further details with this decline." if failed
                    else "Payment complete.", "type": "issuer_declined" if failed else "authorized"},
        "paid": not failed,
        "payment_intent": None,
        "payment_method_details": {"type": "card", "card": {"brand": "visa", "last4": "4242"}},
        "receipt_email": customer["email"],
        "refunded": amount_refunded > 0 and amount_refunded == amount,
        "status": "failed" if failed else "succeeded",
    }

