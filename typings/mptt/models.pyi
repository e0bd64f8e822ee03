from typing import Any, ClassVar, Self

from django.db import models
from django.db.models.base import ModelBase
from mptt.fields import TreeForeignKey as TreeForeignKey
from mptt.managers import TreeManager

class MPTTModelBase(ModelBase): ...

class MPTTModel(models.Model, metaclass=MPTTModelBase):
    class Meta:
        abstract = True

    # Added to every concrete subclass by MPTTModelBase.
    tree_id: int
    lft: int
    rght: int
    level: int
    _tree_manager: ClassVar[TreeManager[Any]]
    def get_ancestors(
        self, ascending: bool = False, include_self: bool = False
    ) -> models.QuerySet[Self]: ...
    def get_children(self) -> models.QuerySet[Self]: ...
    def get_descendants(self, include_self: bool = False) -> models.QuerySet[Self]: ...
    def get_descendant_count(self) -> int: ...
    def get_root(self) -> Self: ...
    def is_leaf_node(self) -> bool: ...
    def is_root_node(self) -> bool: ...
