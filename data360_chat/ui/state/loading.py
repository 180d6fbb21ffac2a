"""Whether the page's own loading events are still to run. The controls that send wait for them (Reflex runs the
page's load after events sent before it, so what was sent in that moment would be replaced by the page's first view)."""

from __future__ import annotations

import reflex as rx

PAGE_LOADING = ~rx.State.is_hydrated
