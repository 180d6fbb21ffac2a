"""What a model's tokens cost, from LiteLLM's local price map: a price, free (the offline model), or unknown."""

from __future__ import annotations

from dataclasses import dataclass

import litellm

from data360_chat.assistant.offline_model import OFFLINE_MODEL

OFFLINE_LABEL = "offline model (free)"


@dataclass(frozen=True)
class Price:
    """US dollars per prompt and per completion token."""

    prompt: float
    completion: float


def price_of(model: str) -> Price | None:
    """The model's price per token (zero for the offline model); None when LiteLLM does not know it."""
    if model == OFFLINE_MODEL:
        return Price(0.0, 0.0)
    for name in (model, model.split("/", 1)[-1]):
        entry = litellm.model_cost.get(name)
        if entry and "input_cost_per_token" in entry:
            return Price(float(entry["input_cost_per_token"]), float(entry.get("output_cost_per_token") or 0.0))
    return None


def model_label(model: str) -> str:
    """The model's name as the dashboards show it."""
    return OFFLINE_LABEL if model == OFFLINE_MODEL else model


def cost_of(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """What the tokens cost in US dollars; None when the model's price is unknown."""
    price = price_of(model)
    if price is None:
        return None
    return prompt_tokens * price.prompt + completion_tokens * price.completion
