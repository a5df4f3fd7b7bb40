from typing import Annotated

from pydantic import Field, field_validator

from framewise.infrastructure.settings import CommaList, ServiceSettings, split_commas


class ApiSettings(ServiceSettings):
    """Settings of the API service (environment variables of the same name, upper case)."""

    database_url: Annotated[str, Field(min_length=1, description="PostgreSQL URL")]
    valkey_url: Annotated[str, Field(min_length=1, description="Valkey URL, redis:// or valkey://")]
    media_roots: Annotated[CommaList, Field(min_length=1, description="comma-separated media folders")]
    api_host: str = "127.0.0.1"
    api_port: Annotated[int, Field(ge=1, le=65535)] = 8000
    discover_on_start: bool = True
    db_pool_size: Annotated[int, Field(ge=1, le=100)] = 10

    _split = field_validator("media_roots", mode="before")(split_commas)
