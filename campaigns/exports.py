"""The supporters CSV. Every cell is neutralised against spreadsheet formula injection: a name
like `=HYPERLINK(...)` must reach the organiser's spreadsheet as text, never as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from io import StringIO

from django.utils import timezone

from .models import Support

HEADER = ["name", "email", "supported_on", "name_shown"]
# OWASP's list: a cell starting with any of these may be run as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def supporters_csv(supports: Iterable[Support]) -> str:
    out = StringIO()
    # The byte-order mark makes Excel read the file as UTF-8 (names are not all ASCII).
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for support in supports:
        row = [
            support.user.name,
            support.user.email,
            timezone.localtime(support.created_at).date().isoformat(),
            support.get_name_visibility_display(),
        ]
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
