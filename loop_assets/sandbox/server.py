"""The sandbox server: Stripe, Zendesk and Segment on one local port, plus `/_sandbox` admin routes."""

from __future__ import annotations

import json
import socket
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .credentials import DEFAULT_PORT
from .faults import InvalidFaultRule, parse_rule
from .gate import Gate
from .jobs import JobWorker
from .runtime import InvalidSetting, Runtime
from .segment_api import SEGMENT
from .stripe_api import STRIPE
from .zendesk_api import ZENDESK

FACES = [STRIPE, ZENDESK, SEGMENT]


def health(_request: Request) -> Response:
    return JSONResponse({"ok": True})


async def config(request: Request) -> Response:
    """GET the run-time settings, or POST a JSON object of settings to change (rate limits, lag, job timings)."""
    settings = _runtime(request).settings
    if request.method == "GET":
        return JSONResponse(settings.snapshot())
    try:
        return JSONResponse(settings.update(await _json(request)))
    except (InvalidSetting, ValueError) as error:
        return JSONResponse({"error": str(error)}, status_code=400)


async def faults(request: Request) -> Response:
    """POST a fault rule, GET the rules with their remaining counts, DELETE them all."""
    book = _runtime(request).faults
    if request.method == "POST":
        try:
            book.add(parse_rule(await _json(request)))
        except (InvalidFaultRule, ValueError) as error:
            return JSONResponse({"error": str(error)}, status_code=400)
    elif request.method == "DELETE":
        book.clear()
    return JSONResponse({"rules": book.listing()})


async def activity(request: Request) -> Response:
    """POST `{"minutes": N}`: simulate N minutes of business in the apps, returning what changed."""
    from . import activity as app_activity  # the generator's code is only needed when asked for

    try:
        minutes = (await _json(request)).get("minutes", 60)
    except (ValueError, AttributeError):
        return JSONResponse({"error": 'expected a JSON object like {"minutes": 60}'}, status_code=400)
    if not isinstance(minutes, int) or minutes <= 0:
        return JSONResponse({"error": "minutes must be a positive integer"}, status_code=400)
    runtime = _runtime(request)
    counts = await run_in_threadpool(
        lambda: app_activity.advance(runtime.store(), runtime.state_dir, minutes=minutes))
    return JSONResponse(counts)


def stored_object(request: Request) -> Response:
    """GET the stored body of one object, e.g. a Segment profile that identify calls merged traits into."""
    params = request.path_params
    body = _runtime(request).store().get(params["app"], params["kind"], params["id"])
    if body is None:
        return JSONResponse({"error": f"no {params['app']} {params['kind']} with id {params['id']!r}"}, status_code=404)
    return JSONResponse(body)


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def _json(request: Request):
    return json.loads(await request.body() or b"{}")


ADMIN_ROUTES = [
    Route("/_sandbox/health", health, methods=["GET"]),
    Route("/_sandbox/config", config, methods=["GET", "POST"]),
    Route("/_sandbox/faults", faults, methods=["GET", "POST", "DELETE"]),
    Route("/_sandbox/activity", activity, methods=["POST"]),
    Route("/_sandbox/objects/{app}/{kind}/{id}", stored_object, methods=["GET"]),
]


def build_app(state_dir: Path) -> Starlette:
    """The sandbox as an ASGI app over the store in `state_dir`; its lifespan runs the Zendesk job worker."""
    runtime = Runtime(state_dir)
    worker = JobWorker(runtime)

    @asynccontextmanager
    async def lifespan(_app: Starlette):
        worker.start()
        yield
        worker.stop()

    app = Starlette(
        routes=[*ADMIN_ROUTES, *(route for face in FACES for route in face.routes)],
        middleware=[Middleware(Gate, runtime=runtime, faces=FACES)],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app


class _AnnouncingServer(uvicorn.Server):
    """A uvicorn server that prints the one line callers wait for once it accepts connections."""

    def __init__(self, config: uvicorn.Config, url: str):
        super().__init__(config)
        self.url = url

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            print(f"sandbox listening on {self.url}", flush=True)


def serve(state_dir: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
    """Serve the sandbox until interrupted; port 0 picks a free port, printed in the announcement line."""
    # Binding here, not in uvicorn, is what makes port 0 usable: the chosen port is known before the line.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    bound_port = sock.getsockname()[1]
    url_host = f"[{host}]" if ":" in host else host
    config = uvicorn.Config(build_app(state_dir), log_level="warning", access_log=False, lifespan="on")
    _AnnouncingServer(config, f"http://{url_host}:{bound_port}").run(sockets=[sock])
