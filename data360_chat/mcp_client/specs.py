"""Vega-Lite specs that a viz-spec tool stores elsewhere and answers with a URL: fetched, bounded in time and size."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

SPEC_MAX_BYTES = 2_000_000
SPEC_KEYS = ("spec", "vega_lite", "vl_spec")


class SpecUnavailable(Exception):
    """The spec at the URL could not be loaded."""


def inline_spec(data: Any) -> dict[str, Any] | None:
    """The spec given in the result itself."""
    if not isinstance(data, dict):
        return None
    return next((data[key] for key in SPEC_KEYS if isinstance(data.get(key), dict)), None)


def spec_url(data: Any) -> str | None:
    """The http(s) URL the result points at for its spec."""
    url = data.get("url") if isinstance(data, dict) else None
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


async def fetch_json(url: str, timeout: float, max_bytes: int = SPEC_MAX_BYTES) -> Any:  # noqa: ASYNC109
    """The JSON at `url`, read within `timeout` seconds and `max_bytes`; `SpecUnavailable` otherwise."""
    try:
        async with (
            asyncio.timeout(timeout),
            httpx.AsyncClient(timeout=timeout) as http,
            http.stream("GET", url) as response,
        ):
            response.raise_for_status()
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise SpecUnavailable(f"the chart spec at {url[:200]} is larger than {max_bytes:,} bytes")
        return json.loads(body)
    except TimeoutError as exc:
        raise SpecUnavailable(f"the chart spec at {url[:200]} did not arrive within {timeout:.3g} s") from exc
    except (httpx.HTTPError, ValueError) as exc:
        raise SpecUnavailable(f"could not load the chart spec from {url[:200]}: {exc}") from exc


async def fetch_spec(url: str, timeout: float, max_bytes: int = SPEC_MAX_BYTES) -> dict[str, Any]:  # noqa: ASYNC109
    """The JSON object at `url` (a spec), as `fetch_json` reads it; `SpecUnavailable` for anything else."""
    spec = await fetch_json(url, timeout, max_bytes)
    if not isinstance(spec, dict):
        raise SpecUnavailable(f"the chart spec at {url[:200]} is not a JSON object")
    return spec
