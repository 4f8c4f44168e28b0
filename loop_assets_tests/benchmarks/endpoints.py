"""The API streams every extractor is timed on: the same Stripe lists and Zendesk exports the loop extracts."""

STRIPE_LISTS = (("customers", {}), ("charges", {}), ("subscriptions", {"status": "all"}), ("invoices", {}),
                ("events", {}))
ZENDESK_CURSOR_EXPORTS = ("tickets", "users")
ZENDESK_TIME_EXPORTS = ("organizations",)
STRIPE_VERSION = "2025-03-31.basil"
STRIPE_PAGE_SIZE = 100  # Stripe's maximum
