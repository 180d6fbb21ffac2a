"""Why an uploaded file cannot be used."""

from __future__ import annotations


class UploadRejected(ValueError):
    """The file cannot be used as it is; `str(exc)` says why, in words for the person. Nothing was stored."""
