"""A local simulator of the OKX V5 API (REST + WebSocket) over a seeded market model.

Independent of `services.engine`: written from OKX's docs (shared/venues/PROTOCOLS.md part B)
so that a misreading here and in the engine's adapter cannot cancel out.
"""
