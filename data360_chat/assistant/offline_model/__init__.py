"""The built-in offline model: deterministic rules that use the Data360 tools like a model would."""

from __future__ import annotations

import litellm
from litellm.utils import custom_llm_setup

OFFLINE_PROVIDER = "data360-offline"
OFFLINE_MODEL = f"{OFFLINE_PROVIDER}/analyst"


def register_offline_model() -> None:
    """Make `data360-offline/...` a LiteLLM provider (once per process)."""
    if any(item["provider"] == OFFLINE_PROVIDER for item in litellm.custom_provider_map):
        return
    from data360_chat.assistant.offline_model.provider import OfflineModel

    litellm.custom_provider_map = [
        *litellm.custom_provider_map,
        {"provider": OFFLINE_PROVIDER, "custom_handler": OfflineModel()},
    ]
    custom_llm_setup()
