"""Formula injection, column by column: every cell of the supporters CSV gets a hostile value.

A test that makes only the names hostile passes with the other columns left raw, and an email
address such as `=1+1@example.org` is valid. So each supporter here is hostile in every column
at once (name, email, how the name shows) and the date column is tested with a value that
starts like a formula: neutralising any one column but not another fails a test.
"""

from __future__ import annotations

import csv
from datetime import datetime
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from campaigns.exports import FORMULA_START, HEADER, supporters_csv
from campaigns.models import Support
from tests.conftest import give_password_again, make_member
from tests.webforms import form_to

from . import factories

pytestmark = pytest.mark.django_db

# Valid addresses (Django's EmailValidator, which sign-up and email change use, accepts them).
VALID_HOSTILE_EMAILS = ["=1+1@example.org", "+44@example.org", "-2@example.org"]
# Refused by the validator, but a row can hold one (an import, the admin, an older rule).
INVALID_HOSTILE_EMAILS = ["@SUM(1)@example.org", "\t=1@example.org", "\r=1@example.org"]

HOSTILE_NAMES = ['=HYPERLINK("http://evil.example","x")', "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"]
# get_name_visibility_display() shows a stored value that is not a choice as it is.
# The column holds at most 10 characters (PostgreSQL enforces it; SQLite doesn't).
HOSTILE_VISIBILITIES = ["=cmd|calc", "+x", "-x", "@x", "\tx", "\rx"]


def test_the_valid_hostile_addresses_pass_djangos_email_validator():
    for email in VALID_HOSTILE_EMAILS:
        validate_email(email)
    for email in INVALID_HOSTILE_EMAILS:
        with pytest.raises(ValidationError):
            validate_email(email)


@pytest.fixture
def hostile_supporters(campaign):
    """Six supporters who may be contacted, each hostile in name, email and name choice."""
    emails = VALID_HOSTILE_EMAILS + INVALID_HOSTILE_EMAILS
    made = []
    for i, (email, name, shown) in enumerate(
        zip(emails, HOSTILE_NAMES, HOSTILE_VISIBILITIES, strict=True)
    ):
        user = make_member(f"hostile{i}", display_name=name)
        User.objects.filter(pk=user.pk).update(email=email)  # past the validator, as a row can be
        factories.support(campaign, user, contact_ok=True)
        Support.objects.filter(campaign=campaign, user=user).update(name_visibility=shown)
        made.append({"name": name, "email": email, "name_shown": shown})
    return made


def data_rows(text: str) -> list[list[str]]:
    rows = list(csv.reader(StringIO(text.lstrip("\ufeff"), newline="")))
    assert rows[0] == HEADER
    return rows[1:]


def assert_every_hostile_cell_is_prefixed(rows: list[list[str]], expected: list[dict]) -> None:
    assert len(rows) == len(expected)
    for row, raw in zip(rows, expected, strict=True):
        cells = dict(zip(HEADER, row, strict=True))
        for column in ("name", "email", "name_shown"):
            assert cells[column] == "'" + raw[column], column
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell


def test_every_column_is_neutralised_in_the_export(campaign, owner, hostile_supporters):
    supports, _ = factories.services.supporters_export(campaign=campaign, actor=owner)
    assert_every_hostile_cell_is_prefixed(data_rows(supporters_csv(supports)), hostile_supporters)


def test_every_column_is_neutralised_in_the_download_as_rendered(
    app, campaign, owner, hostile_supporters
):
    dashboard = app.get(reverse("campaigns:dashboard", args=[campaign.slug]), user=owner)
    asked = form_to(dashboard, reverse("campaigns:export", args=[campaign.slug])).submit()
    download = give_password_again(asked)
    assert download.content_type == "text/csv"
    rows = data_rows(download.body.decode("utf-8"))
    assert_every_hostile_cell_is_prefixed(rows, hostile_supporters)


class _FormulaDate(datetime):
    """A date whose text starts like a formula: no real date does, so this is the only way to
    show that the date column goes through the same neutralising as the others."""

    def date(self):
        return SimpleNamespace(isoformat=lambda: "-2026-01-01+1")


def test_the_date_column_is_neutralised_too():
    when = _FormulaDate(2026, 1, 1, 12, tzinfo=timezone.get_current_timezone())
    support = SimpleNamespace(
        user=SimpleNamespace(name="Alice", email="alice@example.org"),
        created_at=when,
        get_name_visibility_display=lambda: "Show my name to everyone",
    )
    # timezone.localtime() keeps the subclass when the zone is already the current one.
    assert isinstance(timezone.localtime(when), _FormulaDate)
    # A stand-in with just what the CSV reads, so created_at can be the hostile subclass.
    [row] = data_rows(supporters_csv([support]))  # type: ignore[list-item]
    assert row == ["Alice", "alice@example.org", "'-2026-01-01+1", "Show my name to everyone"]


def test_ordinary_cells_are_left_alone(campaign, owner, supporter):
    supports, _ = factories.services.supporters_export(campaign=campaign, actor=owner)
    [row] = data_rows(supporters_csv(supports))
    today = timezone.localdate().isoformat()
    assert row == ["Sam Supporter", "sam@example.org", today, "Show my name to everyone"]
