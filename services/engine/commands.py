"""Take commands from the engine's command channel and answer each one.

Every command gets exactly one `command.reply` event carrying its id, whether
it succeeded, failed, or was not understood. Handlers are registered per
command type; the runtime adds bot and order commands to the same dispatcher.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.engine import metrics
from services.shared.codec import CodecError, decode_command
from services.shared.generated.commands import CommandReply, CommandType, EngineCommand
from services.shared.logs import get_logger
from services.shared.names import commands_channel

log = get_logger(__name__)

CommandHandler = Callable[[EngineCommand], Awaitable[dict[str, Any]]]
ReplySink = Callable[[CommandReply, EngineCommand], Awaitable[None]]


class CommandError(Exception):
    """A handler refused a command; the message goes back in the reply."""


class CommandDispatcher:
    """Route commands to handlers by type and build the reply."""

    def __init__(self) -> None:
        self._handlers: dict[CommandType, CommandHandler] = {}

    def register(self, command_type: CommandType, handler: CommandHandler) -> None:
        """Handle `command_type` with `handler` (one handler per type)."""
        self._handlers[command_type] = handler

    async def dispatch(self, command: EngineCommand) -> CommandReply:
        """Run the handler and return the reply; never raises."""
        handler = self._handlers.get(command.type)
        if handler is None:
            return CommandReply(
                commandId=command.id,
                type=command.type,
                ok=False,
                error=f"command {command.type.value} is not supported by this engine",
            )
        try:
            result = await handler(command)
        except CommandError as exc:
            return CommandReply(commandId=command.id, type=command.type, ok=False, error=str(exc))
        except Exception as exc:
            log.exception("command handler failed", command=command.type.value, id=command.id)
            return CommandReply(
                commandId=command.id, type=command.type, ok=False, error=f"internal error: {exc}"
            )
        return CommandReply(commandId=command.id, type=command.type, ok=True, result=result)


class CommandListener:
    """Subscribe to the command channel and feed the dispatcher, reconnecting as needed."""

    def __init__(
        self,
        redis: Redis,
        engine_id: str,
        dispatcher: CommandDispatcher,
        reply: ReplySink,
        *,
        retry_delay_secs: float = 0.5,
    ) -> None:
        self._redis = redis
        self._channel = commands_channel(engine_id)
        self._dispatcher = dispatcher
        self._reply = reply
        self._retry_delay_secs = retry_delay_secs
        self.subscribed = asyncio.Event()

    async def run(self) -> None:
        """Listen until cancelled; survive Redis outages by re-subscribing."""
        while True:
            try:
                await self._listen()
            except (RedisError, OSError) as exc:
                self.subscribed.clear()
                log.warning("command channel lost", error=str(exc))
                await asyncio.sleep(self._retry_delay_secs)

    async def _listen(self) -> None:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self._channel)
            self.subscribed.set()
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                await self._handle(message["data"])
        finally:
            self.subscribed.clear()
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _handle(self, data: bytes) -> None:
        try:
            command = decode_command(data)
        except CodecError as exc:
            metrics.COMMANDS_MALFORMED.inc()
            log.warning("malformed command", error=str(exc)[:200])
            return
        reply = await self._dispatcher.dispatch(command)
        metrics.COMMANDS_RECEIVED.labels(command.type.value, str(reply.ok).lower()).inc()
        await self._reply(reply, command)
