"""The sandbox apps' fixed credentials: public test values, like Stripe's documented test keys."""

STRIPE_API_KEY = "sk_test_loop_sandbox"
ZENDESK_EMAIL = "agent@loop-sandbox.example"
ZENDESK_API_TOKEN = "loop-sandbox-token"
SEGMENT_WRITE_KEY = "loop-sandbox-write-key"
SEGMENT_SOURCE_ID = "src_loop_sandbox"
DEFAULT_PORT = 8765
