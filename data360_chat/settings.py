"""Every environment variable the app reads, in one place.

Defaults make the app run with no configuration: an embedded PostgreSQL, the built-in offline Data360 MCP
server and the built-in offline model. The README lists every field (a test keeps it in sync).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DATA = Path(__file__).resolve().parent / "offline_mcp" / "data" / "wdi-core"


# The Data360 tools that only read (the viz-spec tool stores a chart, so it is not one of them).
READ_ONLY_TOOLS = (
    "data360_search_indicators",
    "data360_get_metadata",
    "data360_get_data",
    "data360_get_disaggregation",
    "data360_find_codelist_value",
    "data360_list_indicators",
    "data360_get_data_api_url",
    "data360_get_supported_chart_types",
)


def _split_csv(value: object) -> object:
    """Accept `a,b,c` in the environment for list settings."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """Application settings, read from the environment (and an optional `.env` file)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    # --- Storage -------------------------------------------------------------------------------------------
    database_url: str | None = Field(
        None, description="PostgreSQL URL (`postgresql://user:pass@host:5432/db`). Unset: embedded PostgreSQL."
    )
    data_dir: Path = Field(
        PROJECT_ROOT / ".data", description="Folder for local state: the embedded PostgreSQL cluster lives here."
    )
    db_pool_size: int = Field(5, ge=1, description="Connections kept open per process.")
    db_max_overflow: int = Field(5, ge=0, description="Extra connections a process may open under load.")
    redis_url: str | None = Field(
        None, description="Redis URL. Set: shared state for several replicas, caching, rate limits, resumable streams."
    )

    # --- Web server ----------------------------------------------------------------------------------------
    host: str = Field(
        "127.0.0.1", description="Address the app listens on: loopback only by default; `0.0.0.0` for every interface."
    )
    port: int = Field(3000, description="Port the app (page and websocket) is served on.")
    public_url: str | None = Field(
        None,
        description="Public address of the app (`https://chat.example.org`): OIDC redirects, CORS, the websocket.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="Log verbosity.")
    log_format: Literal["json", "text"] = Field(
        "json", description="Log lines on stdout: one JSON object each, or text for people (`make run` sets `text`)."
    )
    max_request_bytes: int = Field(1024 * 1024, ge=1024, description="Largest HTTP request body accepted, in bytes.")

    # --- Data360 over MCP ----------------------------------------------------------------------------------
    data360_mcp_url: str | None = Field(
        None,
        description="Data360 MCP server (streamable HTTP, `.../mcp`). Unset: the built-in offline server is started.",
    )
    data360_offline_data: Path = Field(
        BUNDLED_DATA, description="Data bundle the offline MCP server serves (`indicators.json`, observations)."
    )
    extra_mcp_servers: str = Field(
        "",
        description='More MCP servers as JSON: `[{"name": "x", "url": "http://host/mcp", "transport": "http|sse"}]`.',
    )
    mcp_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Extra Host headers the offline MCP server accepts (comma-separated; `*`: any), behind a proxy.",
    )
    tool_timeout: float = Field(45.0, gt=0, description="Seconds one MCP tool call may take.")
    tool_result_max_chars: int = Field(200_000, gt=0, description="Largest tool result kept, in characters.")
    tool_cache_seconds: float = Field(
        900.0, ge=0, description="Seconds a read-only tool's result is reused for the same arguments (0: never)."
    )
    tool_cache_tools: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(READ_ONLY_TOOLS),
        description="Tools whose successful results are cached (comma-separated; read-only tools only).",
    )
    tool_cache_max_entries: int = Field(
        2000, ge=1, description="Most tool results cached in each process (without Redis; the oldest go first)."
    )

    # --- The model -----------------------------------------------------------------------------------------
    llm_model: str = Field(
        "offline", description="LiteLLM model string (`openai/gpt-4o`, `azure/...`, `ollama/...`) or `offline`."
    )
    llm_api_base: str | None = Field(None, description="Base URL of the model API (OpenAI-compatible servers, Azure).")
    llm_api_key: str | None = Field(None, description="API key for the model.")
    llm_fallback_model: str | None = Field(
        None, description="Model tried when the main one fails before its first token."
    )
    llm_retries: int = Field(2, ge=0, description="Retries on connection errors, 429 and 5xx before the first token.")
    llm_first_chunk_timeout: float = Field(60.0, gt=0, description="Seconds to wait for the model's first chunk.")
    llm_chunk_gap_timeout: float = Field(30.0, gt=0, description="Seconds allowed between two streamed chunks.")
    llm_answer_deadline: float = Field(300.0, gt=0, description="Hard limit in seconds for a whole answer.")
    max_tool_depth: int = Field(8, ge=1, description="Most rounds of tool calls in one answer.")
    max_message_chars: int = Field(8000, ge=1, description="Longest user message accepted, in characters.")
    max_answers_per_user: int = Field(3, ge=1, description="Answers one person may have being written at once.")
    sse_heartbeat_seconds: float = Field(
        15.0, gt=0, description="Seconds between keep-alive comments on an answer streamed as Server-Sent Events."
    )
    history_token_budget: int = Field(6000, gt=0, description="Tokens of earlier conversation sent to the model.")
    tool_result_token_budget: int = Field(3000, gt=0, description="Tokens of one tool result sent back to the model.")
    offline_model_speed: float = Field(
        60.0, gt=0, description="Words per second the built-in offline model streams its answers at."
    )

    # --- Uploads -------------------------------------------------------------------------------------------
    upload_max_bytes: int = Field(
        5 * 1024 * 1024, ge=1024, description="Largest CSV file a person may upload, in bytes (5 MiB)."
    )
    upload_max_rows: int = Field(50_000, ge=1, description="Most data rows an uploaded file may have.")
    upload_max_columns: int = Field(60, ge=2, description="Most columns an uploaded file may have.")
    upload_types: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["csv", "tsv", "txt"],
        description="File name endings accepted for uploads (comma-separated).",
    )

    # --- Accounts ------------------------------------------------------------------------------------------
    auth_mode: Literal["local", "oidc"] = Field("local", description="`local` (email + password) or `oidc`.")
    signup_open: bool = Field(True, description="Whether anyone may create a local account.")
    secret_key: str | None = Field(
        None, description="Secret for signing cookies and OIDC state. Unset: generated once and kept in `DATA_DIR`."
    )
    session_cookie_name: str = Field("d360_session", description="Name of the session cookie.")
    session_cookie_domain: str | None = Field(None, description="Domain attribute of the session cookie.")
    session_idle_minutes: int = Field(60 * 24 * 7, gt=0, description="A session unused this long ends.")
    session_absolute_hours: int = Field(24 * 30, gt=0, description="A session ends this long after sign-in.")
    admin_emails: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Emails that are admins (comma-separated)."
    )
    oidc_discovery_url: str | None = Field(
        None, description="OpenID Connect discovery URL (`https://issuer/.well-known/openid-configuration`)."
    )
    oidc_client_id: str | None = Field(None, description="OIDC client id.")
    oidc_client_secret: str | None = Field(None, description="OIDC client secret (confidential clients).")
    oidc_scopes: str = Field("openid email profile", description="Scopes requested at sign-in.")
    oidc_admin_claim: str = Field("roles", description="ID token claim holding groups or roles.")
    oidc_admin_values: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Values of that claim that make a user an admin (comma-separated). Unset: tokens keep roles.",
    )
    oidc_link_verified_emails: bool = Field(
        False,
        description="Let a sign-in link an existing account by its email when the issuer marks it verified.",
    )
    jwt_issuer: str | None = Field(None, description="Issuer of accepted bearer tokens (default: the OIDC issuer).")
    jwt_audience: str | None = Field(
        None, description="Audience required in bearer access tokens (default: `OIDC_CLIENT_ID`)."
    )
    jwt_jwks_url: str | None = Field(None, description="JWKS URL for bearer tokens (default: from OIDC discovery).")
    jwt_leeway_seconds: int = Field(
        30, ge=0, le=300, description="Clock difference with the issuer tolerated on a token's `exp` and `nbf`."
    )
    user_question_limit: int = Field(60, ge=1, description="Questions one person may ask per minute.")
    tenant_question_limit: int = Field(
        600, ge=1, description="Questions one organisation may ask per minute (see `OIDC_TENANT_CLAIM`)."
    )
    oidc_tenant_claim: str = Field(
        "tid",
        description="ID token claim naming the person's organisation (Entra ID's `tid`); without it, the email domain.",
    )
    login_rate_limit: int = Field(5, ge=1, description="Failed sign-ins allowed per minute per account and per IP.")
    signup_rate_limit: int = Field(10, ge=1, description="Sign-ups allowed per hour from one IP address.")
    trusted_proxy_hops: int = Field(
        0,
        ge=0,
        description="Reverse proxies in front of the app whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.",
    )

    # --- Observability -------------------------------------------------------------------------------------
    metrics_enabled: bool = Field(True, description="Serve Prometheus metrics on `/metrics` and record them.")
    otel_exporter_otlp_endpoint: str | None = Field(
        None,
        description="OTLP/HTTP collector (`http://collector:4318`); spans go to its `/v1/traces`. Unset: no tracing.",
    )
    otel_service_name: str = Field("data360-chat", description="`service.name` of the exported traces.")
    otel_record_content: bool = Field(
        False, description="Put questions and answer text on the trace spans (off: sizes and counts only)."
    )

    _split_lists = field_validator(
        "mcp_allowed_hosts",
        "admin_emails",
        "oidc_admin_values",
        "tool_cache_tools",
        "upload_types",
        mode="before",
    )(_split_csv)

    @property
    def public_origin(self) -> str | None:
        """`scheme://host[:port]` of `PUBLIC_URL` (None when it is unset)."""
        if not self.public_url:
            return None
        parts = urlsplit(self.public_url.strip())
        return f"{parts.scheme}://{parts.netloc}".lower()

    @property
    def page_origins(self) -> list[str]:
        """Origins the page may be opened from: `PUBLIC_URL`'s, else this port on `localhost` and `127.0.0.1`."""
        if self.public_origin:
            return [self.public_origin]
        return [f"http://localhost:{self.port}", f"http://127.0.0.1:{self.port}"]

    @property
    def uses_offline_model(self) -> bool:
        """True when the built-in deterministic model answers."""
        return self.llm_model.strip().lower() in ("", "offline")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
