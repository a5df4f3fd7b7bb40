"""The page every listing answers: its items, and the total that its filters match."""

from collections.abc import Callable
from typing import Any, Generic, Self, TypeVar

from pydantic import BaseModel

from framewise.application.results import Page

ItemT = TypeVar("ItemT", bound=BaseModel)


class PageOut(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    total: int
    limit: int
    offset: int

    @classmethod
    def converted(cls, page: Page[Any], convert: Callable[[Any], ItemT]) -> Self:
        return cls(items=[convert(i) for i in page.items], total=page.total, limit=page.limit, offset=page.offset)
