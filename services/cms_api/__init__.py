"""The CMS API: REST (FastAPI) and the Socket.IO live feed on one ASGI app."""
