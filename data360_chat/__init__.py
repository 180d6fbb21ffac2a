"""Data360 Chat: ask questions of World Bank development data."""

import os

APP_NAME = "data360-chat"
__version__ = "0.1.0"  # the one place the app's version is written (MCP client and server info)

# LiteLLM downloads a model price map at import unless told to use its bundled copy; keep start-up offline and fast.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
