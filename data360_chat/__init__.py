"""Data360 Chat: ask questions of World Bank development data."""

import os

# LiteLLM downloads a model price map at import unless told to use its bundled copy; keep start-up offline and fast.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
