"""A small standalone HTML page for problems met before the app can render (an identity provider that is down)."""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:34rem;margin:12vh auto;padding:0 1.5rem;line-height:1.5;"
    "color:#1c2024;background:#fff}@media(prefers-color-scheme:dark){body{color:#edeef0;background:#111113}"
    "a{color:#9eb1ff}}h1{font-size:1.5rem}a{color:#3e63dd}"
)


def message_page(title: str, text: str, *, link: str, link_text: str, status_code: int) -> HTMLResponse:
    """A page with a heading, one explanation and one way on; everything escaped."""
    body = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)} · Data360 Chat</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{STYLE}</style></head>'
        f"<body><main><h1>{escape(title)}</h1><p>{escape(text)}</p>"
        f'<p><a href="{escape(link, quote=True)}">{escape(link_text)}</a></p></main></body></html>'
    )
    return HTMLResponse(body, status_code=status_code, headers={"Cache-Control": "no-store"})
