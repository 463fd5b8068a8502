"""The web app: REST API under /api/v1 and server-rendered pages (TECH-5)."""
