from typing import Any, TypeVar

from django.db import models

_M = TypeVar("_M", bound=models.Model)

class TreeQuerySet(models.QuerySet[_M]): ...

class TreeManager(models.Manager[_M]):
    def rebuild(self, batch_size: int = 1000, **filters: Any) -> None: ...
    def partial_rebuild(self, tree_id: int, batch_size: int = 1000, **filters: Any) -> None: ...
    def _get_next_tree_id(self) -> int: ...
    def insert_node(
        self,
        node: _M,
        target: _M | None,
        position: str = "last-child",
        save: bool = False,
        allow_existing_pk: bool = False,
        refresh_target: bool = True,
    ) -> _M: ...
