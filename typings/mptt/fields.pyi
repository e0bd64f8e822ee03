from typing import TypeVar

from django.db import models

_ST = TypeVar("_ST")
_GT = TypeVar("_GT")

class TreeForeignKey(models.ForeignKey[_ST, _GT]): ...
