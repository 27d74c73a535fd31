"""The ASGI application: REST routers, WebSocket endpoints, and OKX-shaped error handling."""

from __future__ import annotations

import asyncio
import contextlib

import orjson
import structlog
from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.sim.okx import constants as c
from services.sim.okx import errors
from services.sim.okx.control import ControlError, control
from services.sim.okx.errors import OkxError
from services.sim.okx.factory import Simulator
from services.sim.okx.rest import ROUTERS, envelope
from services.sim.okx.ws import CloseFrame, Connection

log = structlog.get_logger("services.sim.okx")


def create_app(sim: Simulator) -> FastAPI:
    """Build the FastAPI app serving `sim` (REST, WS and the /sim control surface)."""
    app = FastAPI(
        title="OKX V5 simulator",
        description="A local simulator of OKX's V5 REST and WebSocket API. /sim/* is its own "
        "control surface, not part of OKX.",
        docs_url="/sim/docs",
        openapi_url="/sim/openapi.json",
        redoc_url=None,
    )
    app.state.sim = sim
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(control)

    @app.exception_handler(OkxError)
    async def okx_error(_: Request, exc: OkxError) -> Response:
        """OKX's envelope with the error's code, message and HTTP status."""
        return envelope([], code=exc.code, msg=exc.msg, status=exc.http_status)

    @app.exception_handler(ControlError)
    async def control_error(_: Request, exc: ControlError) -> Response:
        """The /sim surface's own error shape."""
        body = orjson.dumps({"error": {"code": exc.code, "message": exc.message}})
        return Response(body, status_code=exc.status, media_type="application/json")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        """Unknown path (50005, 404) or wrong method (50115, 405) in OKX's envelope."""
        spec = errors.METHOD_INVALID if exc.status_code == 405 else errors.ENDPOINT_UNAVAILABLE
        return envelope([], code=spec.code, msg=spec.msg, status=spec.http_status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> Response:
        """Framework validation (path parameters) answered as OKX's 51000."""
        spec = errors.PARAM_ERROR
        return envelope([], code=spec.code, msg=spec.format("request"), status=spec.http_status)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        """A simulator bug: logged, and answered like OKX's 50026 system error."""
        log.exception("okx_sim_unhandled", path=request.url.path)
        spec = errors.SYSTEM_ERROR
        return envelope([], code=spec.code, msg=spec.msg, status=spec.http_status)

    @app.websocket(c.WS_PUBLIC_PATH)
    async def ws_public(websocket: WebSocket) -> None:
        """/ws/v5/public: market channels."""
        await _serve_socket(websocket, sim, private=False)

    @app.websocket(c.WS_PRIVATE_PATH)
    async def ws_private(websocket: WebSocket) -> None:
        """/ws/v5/private: login, account channels and order entry."""
        await _serve_socket(websocket, sim, private=True)

    return app


async def _serve_socket(websocket: WebSocket, sim: Simulator, *, private: bool) -> None:
    """Run one client socket: a reader feeding the hub and a writer draining its queue."""
    await websocket.accept()
    conn = sim.hub.connect(private=private)
    reader = asyncio.create_task(_read(websocket, sim, conn))
    writer = asyncio.create_task(_write(websocket, conn))
    try:
        await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        sim.hub.disconnect(conn)
        for task in (reader, writer):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task


async def _read(websocket: WebSocket, sim: Simulator, conn: Connection) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:
            raw = message.get("bytes") or b""
            text = raw.decode("utf-8", errors="replace")
        try:
            with sim.exchange.operation():
                sim.hub.handle_text(conn, text)
        except Exception:  # a simulator bug must not take the socket down; the client sees 60012
            log.exception("okx_sim_ws_frame_failed")
            conn.send(
                orjson.dumps(
                    {
                        "event": "error",
                        "code": "60012",
                        "msg": "Invalid request: " + text,
                        "connId": conn.conn_id,
                    }
                ).decode()
            )


async def _write(websocket: WebSocket, conn: Connection) -> None:
    while True:
        item = await conn.queue.get()
        if isinstance(item, CloseFrame):
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await websocket.close(code=item.code, reason=item.reason)
            return
        await websocket.send_text(item)
