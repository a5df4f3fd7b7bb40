from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator

from framewise.infrastructure.settings import CommaList, ServiceSettings, split_commas


class ApiSettings(ServiceSettings):
    """Settings of the API service (environment variables of the same name, upper case)."""

    database_url: Annotated[str, Field(min_length=1, description="PostgreSQL URL")]
    valkey_url: Annotated[str, Field(min_length=1, description="Valkey URL, redis:// or valkey://")]
    media_roots: Annotated[CommaList, Field(min_length=1, description="comma-separated media folders")]
    api_tokens: Annotated[
        CommaList, Field(min_length=1, description="comma-separated bearer tokens, each at least 16 characters")
    ]
    api_host: str = "127.0.0.1"
    api_port: Annotated[int, Field(ge=1, le=65535)] = 8000
    db_pool_size: Annotated[int, Field(ge=1, le=100)] = 10
    discover_on_start: bool = True
    discovery_interval_s: Annotated[float, Field(ge=0)] = 900.0
    discovery_settle_s: Annotated[float, Field(ge=0)] = 5.0
    discovery_watch: Literal["auto", "native", "poll", "off"] = "auto"
    discovery_poll_interval_s: Annotated[float, Field(gt=0)] = 10.0
    upload_dir: str | None = None
    upload_max_bytes: Annotated[int, Field(ge=1)] = 4 * 1024**3
    upload_idle_timeout_s: Annotated[float, Field(gt=0, le=3600)] = 30.0  # no byte for this long: 408
    upload_concurrency: Annotated[int, Field(ge=0)] = 2  # uploads at once per token (429 past it; 0: unbounded)
    rate_limit_window_s: Annotated[int, Field(ge=1, le=86_400)] = 60
    rate_limit_enqueue: Annotated[int, Field(ge=0)] = 600
    rate_limit_retry: Annotated[int, Field(ge=0)] = 120
    rate_limit_upload: Annotated[int, Field(ge=0)] = 30
    rate_limit_discover: Annotated[int, Field(ge=0)] = 30  # scans of every root or one folder
    rate_limit_sign_in: Annotated[int, Field(ge=0)] = 10  # web UI sign-ins per client address, right or wrong
    # Media links (stream, thumbnail, captions) carry an HMAC signature bound to their video and an
    # expiry, so a browser's <video> and <img> need no bearer header. Unset: a key derived from API_TOKENS.
    media_signing_key: Annotated[SecretStr, Field(min_length=16)] | None = None
    media_url_ttl_s: Annotated[int, Field(ge=10, le=7 * 86_400)] = 3600
    session_ttl_s: Annotated[int, Field(ge=60, le=30 * 86_400)] = 12 * 3600  # the web UI's sign-in
    # The web UI's built files, served at `/`. Unset: the repository's ui/dist when it exists; "" turns it off.
    ui_dir: Path | None = None
    thumbnail_dir: Path = Path(".data/thumbnails")
    thumbnail_cache_max_bytes: Annotated[int, Field(ge=1024 * 1024)] = 256 * 1024 * 1024
    # The ML service, for GET /api/v1/system (its models, device, gate) and model reloads; unset, the
    # system view says it is not configured. ML_TOKEN is the one the workers send.
    ml_service_url: Annotated[str, Field(min_length=1)] | None = None
    ml_token: SecretStr | None = None
    # The local supervisor's description of the services it runs (`make run` sets it): shown by
    # GET /api/v1/system and counted in /metrics. Unset, the system view lists no local services.
    services_state_file: Path | None = None

    _split = field_validator("media_roots", "api_tokens", mode="before")(split_commas)

    @field_validator("api_tokens")
    @classmethod
    def _strong_tokens(cls, tokens: list[str]) -> list[str]:
        if any(len(t) < 16 for t in tokens):
            raise ValueError("every token must be at least 16 characters")
        return tokens
