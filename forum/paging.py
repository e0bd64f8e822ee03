"""Pages of a list without counting the list: "← Previous · Page 3 · Next →".

Django's Paginator runs a COUNT(*) over the whole filtered list on every request, which grows with
the table (a sequential scan at a hundred thousand posts). Lists read one row more than a page
instead, which says whether a next page exists; the ordering's last key is the primary key, so
the rows of a page don't change with equal sort values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet

T = TypeVar("T")

# Past this, a list is read through search or a section, not by paging (OFFSET grows with it).
MAX_PAGE = 2000


@dataclass
class CountlessPage(Generic[T]):
    object_list: list[T]
    number: int
    _has_next: bool
    # For templates/_pagination.html, which shows "of N" only when there is a paginator.
    paginator: None = None

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def __iter__(self) -> Any:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def page_number(raw: str | None) -> int:
    """A page number from the query string: anything odd is the first page."""
    raw = (raw or "").strip()
    if not raw.isdigit() or len(raw) > 5:
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


def countless_page(
    queryset: QuerySet[Any], raw_number: str | None, per_page: int
) -> CountlessPage[Any]:
    number = page_number(raw_number)
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return CountlessPage(rows[:per_page], number, len(rows) > per_page)
