"""The headers every answer of the Findings app carries, by kind: a page or redirect (no
script at all, framed only by the Airflow UI), a download (never rendered), an image."""

from __future__ import annotations

from typing import TypeVar

from fastapi.responses import Response

# No script at all; inline styles (the page's <style> and the SVG charts); images from here;
# forms post here; framed only by the Airflow UI on the same origin.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'self'; base-uri 'none'")
SANDBOX_CSP = "default-src 'none'; sandbox"  # a download or an image: nothing in it runs

R = TypeVar("R", bound=Response)


def secured(response: R, *, referrer: str = "same-origin") -> R:
    """A page or a redirect with the app's security headers."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Referrer-Policy"] = referrer
    response.headers["Cache-Control"] = "no-store"
    return response


def download(data: bytes, filename: str, media_type: str = "application/octet-stream") -> Response:
    response = Response(data, media_type=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = SANDBOX_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def png_image(data: bytes, *, cache_control: str) -> Response:
    """PNG bytes shown as an image, which nothing else can be read as."""
    response = Response(data, media_type="image/png")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = SANDBOX_CSP
    response.headers["Cache-Control"] = cache_control
    return response
