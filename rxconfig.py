"""Reflex configuration, built from the app's own settings (Reflex itself reads only `REFLEX_` variables)."""

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from data360_chat.settings import get_settings

settings = get_settings()
# Behind a proxy the page reaches its websocket through the public address; otherwise through its own origin.
public = settings.public_origin
public_address = {"api_url": public, "deploy_url": public} if public else {}

config = rx.Config(
    app_name="data360_chat",
    app_module_import="data360_chat.ui.app",
    frontend_port=settings.port,
    backend_port=settings.port,
    backend_host=settings.host,
    redis_url=settings.redis_url,
    trusted_proxy_hops=settings.trusted_proxy_hops,
    cors_allowed_origins=settings.page_origins,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="large"))],
    disable_plugins=[SitemapPlugin],
    **public_address,
)
