"""The assistant: answers questions with an LLM, Data360 tools, charts, sources and grounded numbers."""
