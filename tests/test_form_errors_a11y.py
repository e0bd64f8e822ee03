"""Field errors are tied to their fields for screen readers, on real forms as rendered.

Each form is filled and submitted with bad input the way a browser would (WebTest). Then, on the
page that comes back: every input marked aria-invalid="true" has an aria-describedby (a radio
button's is its group's <fieldset>, as Django renders it) whose ids each name exactly one element;
the element for the error holds every message of that field; and no field error stands on the page
unnamed by any input.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.urls import reverse

from forum.models import Section
from tests.campaigns import factories as campaign_factories
from tests.forum import factories as forum_factories

pytestmark = pytest.mark.django_db


def described_by(page) -> dict[str, list[str]]:
    """For each input the page marks invalid, by name: the text of each element its
    aria-describedby names, checking on the way that each of them is there, and only once."""
    html = page.html
    repeated = [i for i, n in Counter(el["id"] for el in html.find_all(id=True)).items() if n > 1]
    assert repeated == [], f"ids used twice: {repeated}"
    texts: dict[str, list[str]] = {}
    for field in html.find_all(attrs={"aria-invalid": "true"}):
        owner = field
        if field.get("type") in ("radio", "checkbox") and not field.get("aria-describedby"):
            owner = field.find_parent("fieldset")  # a group is described as a whole
        ids = (owner.get("aria-describedby") if owner else "") or ""
        assert ids.split(), f"{field['name']} is marked invalid but describedby nothing"
        named = [html.find(id=i) for i in ids.split()]
        assert None not in named, f"{field['name']}: aria-describedby={ids!r} names a missing id"
        texts[field["name"]] = [el.get_text(" ", strip=True) for el in named]
    described = {
        i
        for el in html.find_all(attrs={"aria-describedby": True})
        for i in el["aria-describedby"].split()
    }
    for error in html.select(".field .error, fieldset .error"):
        holder = error if error.get("id") else error.find_parent(id=True)
        assert holder is not None and holder["id"] in described, (
            f"an error no field points to: {error.get_text(strip=True)!r}"
        )
    return texts


def assert_linked(page, expected: dict[str, list[str]]) -> None:
    texts = described_by(page)
    assert sorted(texts) == sorted(expected), texts
    for name, messages in expected.items():
        # One named element holds all of the field's messages.
        assert any(all(m in text for m in messages) for text in texts[name]), (
            f"{name}: {messages} not all in one of {texts[name]}"
        )


def test_sign_up_with_a_weak_password_and_no_consent(app):
    form = app.get(reverse("account_signup")).forms["signup-form"]
    form["username"] = "newcomer"
    form["email"] = "newcomer@example.org"
    form["password1"] = form["password2"] = "abc"
    page = form.submit()
    assert page.status_code == 200
    assert_linked(
        page,
        {
            # Two messages for one field: both must be in what the field names.
            "password1": [
                "This password is too short.",
                "This password is too common.",
            ],
            "accept_privacy": ["You need to accept the privacy notice to join."],
        },
    )


def test_new_post_without_a_title(app, member):
    form = app.get(reverse("forum:post-create"), user=member).forms["post-form"]
    form["section"].select(str(Section.objects.get(slug="policy").pk))
    form["body"] = "A body, but no title."
    page = form.submit("action", value="publish")
    assert page.status_code == 200
    assert_linked(page, {"title": ["Give your post a title."]})
    # A field without errors is not marked, and still names its help text.
    body = page.html.find(id="id_body")
    assert (body.get("aria-invalid"), body["aria-describedby"]) == (None, "id_body_helptext")


def test_campaign_form_left_empty(app, member):
    form = app.get(reverse("campaigns:create"), user=member).forms["campaign-form"]
    form["goal"] = "lots"
    page = form.submit("action", value="save")
    assert page.status_code == 200
    assert_linked(
        page,
        {
            "title": ["Give the campaign a title."],
            "summary": ["Sum the campaign up in a sentence or two."],
            "target": ["Say who the campaign asks."],
            "ask": ["Say what the campaign asks for."],
            "body": ["Make the case"],
            "goal": ["The goal is a whole number of supporters."],
        },
    )
    # Help text first, then the error.
    summary = page.html.find(id="id_summary")["aria-describedby"]
    assert summary == "id_summary_helptext id_summary_error"


def test_closing_a_campaign_without_an_outcome_or_story(app, organiser):
    campaign = campaign_factories.campaign(organiser)
    form = app.get(reverse("campaigns:close", args=[campaign.slug]), user=organiser).forms[
        "close-form"
    ]
    page = form.submit()
    assert page.status_code == 200
    assert_linked(
        page,
        {
            "outcome": ["Say whether the campaign was won, lost or withdrawn."],
            "story": ["Tell supporters what happened."],
        },
    )


def test_report_without_a_reason(app, member, other_member):
    post = forum_factories.post(other_member)
    form = app.get(reverse("forum:report", args=["post", post.pk]), user=member).forms[
        "report-form"
    ]
    page = form.submit()
    assert page.status_code == 200
    assert_linked(page, {"reason": ["Pick the reason closest to the problem."]})
