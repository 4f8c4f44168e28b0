"""Stripe's error bodies: `{"error": {"type", "code", "message", "param"}}` with the HTTP status Stripe uses."""

from __future__ import annotations

from starlette.responses import JSONResponse


class StripeError(Exception):
    """An error the emulated Stripe API answers with; handlers raise it, the route turns it into a response."""

    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None):
        super().__init__(message)
        self.status = status
        self.body = {"type": type, "message": message}
        if code:
            self.body["code"] = code
        if param:
            self.body["param"] = param

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.body}, status_code=self.status)


def invalid_request(message: str, param: str | None = None, code: str | None = None) -> StripeError:
    """A 400 `invalid_request_error` naming the offending parameter."""
    return StripeError(400, message, param=param, code=code)
