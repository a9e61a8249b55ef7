"""Security headers on every page: scripts and styles from this site only, no framing."""

from __future__ import annotations

from flask import Flask, Response, request

# No inline script or style anywhere: htmx's indicator style is switched off in base.html.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def _secure(response: Response) -> Response:
    if request.path.startswith("/api/"):
        return response
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        # Pages show what the signed-in person may see; no shared cache keeps them.
        response.headers.setdefault("Cache-Control", "private, no-store")
        response.headers.add("Vary", "Cookie")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_secure)
