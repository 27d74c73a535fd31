"""`trading sim <venue>`: run one venue simulator on loopback (only OKX exists so far)."""

from __future__ import annotations

import asyncio

import typer

from services.sim.okx import constants as okx_defaults

SUPPORTED = ("okx",)
PLANNED = ("polymarket", "kalshi")


def sim(
    venue: str = typer.Argument(..., help="Venue to simulate: okx (polymarket, kalshi: not yet)."),
    port: int = typer.Option(
        okx_defaults.DEFAULT_PORT, "--port", help="Port for HTTP and WS (0 = any free port)."
    ),
    host: str = typer.Option(
        okx_defaults.DEFAULT_HOST, "--host", help="Interface to bind (loopback by default)."
    ),
    seed: int = typer.Option(okx_defaults.DEFAULT_SEED, "--seed", help="Seed of the market model."),
    time_scale: float = typer.Option(
        okx_defaults.DEFAULT_TIME_SCALE, "--time-scale", help="Simulated seconds per real second."
    ),
    api_key: str = typer.Option(
        okx_defaults.DEFAULT_API_KEY, "--api-key", help="API key to accept."
    ),
    secret_key: str = typer.Option(
        okx_defaults.DEFAULT_SECRET_KEY, "--secret-key", help="Secret key to verify with."
    ),
    passphrase: str = typer.Option(
        okx_defaults.DEFAULT_PASSPHRASE, "--passphrase", help="Passphrase to accept."
    ),
    tls_port: int | None = typer.Option(
        None, "--tls-port", help="Also serve https/wss on this port with a self-signed certificate."
    ),
    live_keys: bool = typer.Option(
        False, "--live-keys", help="Treat the key as a live key: refuse x-simulated-trading: 1."
    ),
    zero_checksum: bool = typer.Option(
        False, "--zero-checksum", help="Send checksum 0 in books updates (OKX since 2026-06-23)."
    ),
    paused: bool = typer.Option(False, "--paused", help="Start with the market model frozen."),
) -> None:
    """Run a venue simulator speaking the venue's real REST + WebSocket protocol."""
    name = venue.lower()
    if name not in SUPPORTED:
        hint = "is not implemented yet" if name in PLANNED else "is not a known venue"
        typer.echo(f"simulator for {venue!r} {hint}; available: {', '.join(SUPPORTED)}", err=True)
        raise typer.Exit(2)
    from services.sim.okx.config import SimConfig
    from services.sim.okx.server import Endpoints, SimServer

    try:
        config = SimConfig(
            host=host,
            port=port,
            seed=seed,
            time_scale=time_scale,
            api_key=api_key,
            secret_key=secret_key,
            passphrase=passphrase,
            tls_port=tls_port,
            demo_trading=not live_keys,
            checksum_mode="zero" if zero_checksum else "crc32",
            market_paused=paused,
        )
    except ValueError as exc:
        typer.echo(f"invalid option: {exc}", err=True)
        raise typer.Exit(2) from exc

    def ready(endpoints: Endpoints) -> None:
        lines = [
            f"OKX simulator ready (seed {seed}, time scale {time_scale}, "
            f"{'live' if live_keys else 'demo'} key). Export:",
            f"export OKX_REST_URL={endpoints.rest_url}",
            f"export OKX_WS_PUBLIC_URL={endpoints.ws_public_url}",
            f"export OKX_WS_PRIVATE_URL={endpoints.ws_private_url}",
            f"export OKX_API_KEY={api_key}",
            f"export OKX_SECRET_KEY={secret_key}",
            f"export OKX_PASSPHRASE={passphrase}",
        ]
        if endpoints.tls_port is not None:
            lines += [
                "# TLS listener (self-signed) for clients that need https/wss, e.g. python-okx WS:",
                f"#   {endpoints.tls_rest_url}",
                f"#   {endpoints.tls_ws_public_url}",
                f"#   {endpoints.tls_ws_private_url}",
                f"#   export SSL_CERT_FILE={endpoints.tls_cert_file}",
            ]
        lines.append("Control surface: /sim/* (see services/sim/okx/README.md). Ctrl-C to stop.")
        typer.echo("\n".join(lines))

    async def main() -> None:
        server = SimServer(config)
        server.install_signal_handlers()
        await server.serve(on_ready=ready)

    asyncio.run(main())
