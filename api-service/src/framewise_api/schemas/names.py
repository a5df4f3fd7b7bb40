"""A name people give: to a person, to a speaker."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from framewise.domain.faces import NAME_LENGTH


class NameIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Ada Lovelace"}]})
    name: Annotated[str, Field(max_length=NAME_LENGTH)] | None = Field(
        description=f"1 to {NAME_LENGTH} characters (spaces trimmed); null or blank takes the name away"
    )
