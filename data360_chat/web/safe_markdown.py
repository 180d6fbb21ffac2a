"""Markdown from the model, tools or users made safe to render: no active HTML, no script links, no remote images.

The page renders Markdown without raw HTML and under a Content-Security-Policy; this is the layer before that:
outside code, tag-like `<` becomes `&lt;`, links with schemes other than http(s)/mailto point nowhere, and images
that are not on this site (or inline `data:image/...`) become their alt text, so nothing leaks through an image URL.
"""

from __future__ import annotations

import re

CODE = re.compile(r"(```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]*`)", re.DOTALL)
TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
IMAGE = re.compile(r"!\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_IMAGE = re.compile(r"!\[([^\]\n]*)\]\[[^\]\n]*\]")
LINK = re.compile(r"(?<!!)\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?((?:\s+\"[^\"]*\")?)\s*\)")
DEFINITION = re.compile(r"^( {0,3}\[[^\]\n]+\]:\s*)<?(\S+?)>?(\s.*)?$", re.MULTILINE)
SAFE_SCHEMES = ("http://", "https://", "mailto:")
SAFE_IMAGE_DATA = re.compile(r"^data:image/(png|gif|jpe?g|webp);base64,", re.IGNORECASE)


def safe_url(url: str) -> str:
    """The URL if it is http(s), mailto or relative to this site; otherwise `#`."""
    compact = re.sub(r"[\x00-\x20]", "", url).lower()
    if compact.startswith(SAFE_SCHEMES) or (compact.startswith(("/", "#", "?")) and not compact.startswith("//")):
        return url
    if ":" not in compact.split("/", 1)[0] and not compact.startswith("//"):
        return url  # a relative path such as `page.html`
    return "#"


def local_image(url: str) -> bool:
    """Whether an image URL stays on this site (a path, not `//host`) or is inline image data."""
    compact = url.strip()
    return bool(SAFE_IMAGE_DATA.match(compact)) or (compact.startswith("/") and not compact.startswith("//"))


def _image(match: re.Match[str]) -> str:
    alt, url = match.group(1), match.group(2)
    if local_image(url):
        return match.group(0)
    return f"*[image: {alt or 'not shown'}]*"


def _link(match: re.Match[str]) -> str:
    text, url, title = match.groups()
    return f"[{text}]({safe_url(url)}{title})"


def _definition(match: re.Match[str]) -> str:
    return f"{match.group(1)}{safe_url(match.group(2))}{match.group(3) or ''}"


def _prose(text: str) -> str:
    text = TAG_START.sub("&lt;", text)
    text = IMAGE.sub(_image, text)
    text = REFERENCE_IMAGE.sub(lambda m: f"*[image: {m.group(1) or 'not shown'}]*", text)
    text = LINK.sub(_link, text)
    return DEFINITION.sub(_definition, text)


def safe_markdown(text: str) -> str:
    """`text` with active HTML, unsafe links and remote images neutralised; code spans and blocks kept as they are."""
    parts = CODE.split(text or "")
    return "".join(part if index % 2 else _prose(part) for index, part in enumerate(parts))
