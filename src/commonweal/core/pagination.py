"""Page-numbered pagination with a consistent envelope: items, count, page, pages, page_size."""

from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema
from ninja.errors import HttpError
from ninja.pagination import PaginationBase


class Paged(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1, description="page number, from 1")
        page_size: int = Field(100, ge=1, le=1000, description="items a page, at most 1,000")

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        pages: int
        page_size: int

    items_attribute = "items"

    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet[Any] | list[Any], pagination: Input, **params: Any
    ) -> dict[str, Any]:
        count = len(queryset) if isinstance(queryset, list) else queryset.count()
        pages = max(1, -(-count // pagination.page_size))
        if pagination.page > pages:
            raise HttpError(404, f"There is no page {pagination.page}; there are {pages}.")
        start = (pagination.page - 1) * pagination.page_size
        return {
            "items": list(queryset[start : start + pagination.page_size]),
            "count": count,
            "page": pagination.page,
            "pages": pages,
            "page_size": pagination.page_size,
        }
