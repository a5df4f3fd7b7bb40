"""Settings shared by the services, and the one way every service loads its settings."""

import sys
from typing import Annotated, Literal, TypeVar

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CommaList = Annotated[list[str], NoDecode]


def split_commas(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class ServiceSettings(BaseSettings):
    """Read from the environment and `.env`; a missing or invalid value stops the service."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    log_format: Literal["json", "console"] = "console"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


S = TypeVar("S", bound=BaseSettings)


def load_settings(cls: type[S]) -> S:
    """Build the settings or exit with one line per bad setting, naming it as its variable."""
    try:
        return cls()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "?"
            lines.append(f"  {name}: {error['msg']}")
        sys.stderr.write(f"{cls.__name__}: invalid configuration\n" + "\n".join(lines) + "\n")
        raise SystemExit(2) from None
