"""Every campaign URL, tried by every persona: who may see it, who may act.

404 when a persona may not see the campaign (someone else's draft), 403 when they see it but may
not act, a redirect to log in for anonymous visitors on member-only URLs, and 405 for GET on a
POST-only URL. Each cell of the tables below is its own test.
"""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.test import Client
from django.urls import reverse

from accounts.models import MODERATORS_GROUP, User
from campaigns import services
from tests.conftest import activate_totp, force_login_fresh, make_member

from . import factories

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "member", "supporter", "co_organiser", "owner", "moderator"]
LOGIN = "login"
OK, MOVED, FORBIDDEN, MISSING, NOT_ALLOWED = 200, 302, 403, 404, 405


def build(state: str) -> tuple:
    owner = make_member("olu", display_name="Olu Adeyemi")
    campaign = factories.campaign(owner, title="Open the books", publish=state != "draft")
    member, supporter, co_organiser = make_member("alice"), make_member("sam"), make_member("cora")
    moderator = make_member("maya", is_staff=True)
    users: dict[str, User | None] = {
        "anonymous": None,
        "member": member,
        "supporter": supporter,
        "co_organiser": co_organiser,
        "owner": owner,
        "moderator": moderator,
    }
    moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    activate_totp(moderator)
    services.organiser_add(campaign=campaign, actor=owner, member=co_organiser)
    if state != "draft":
        factories.support(campaign, supporter, contact_ok=True)
    if state == "closed":
        services.campaign_close(campaign=campaign, actor=owner, outcome="won", story="We won.")
    return campaign, users


# What a form posts, where an empty form would only prove the form's own errors.
POSTED = {"reopen": {"reason": "Closed by mistake"}}


def request(campaign, users, persona, method, name, *extra):
    client = Client()
    if users[persona] is not None:
        force_login_fresh(client, users[persona])
    url = reverse(f"campaigns:{name}", args=[campaign.slug, *extra])
    if method == "post":
        return client.post(url, POSTED.get(name, {}))
    return getattr(client, method)(url)


def check(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif expected == MOVED:
        assert response.status_code == 302
        assert not response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected


def row(*statuses):
    return dict(zip(PERSONAS, statuses, strict=True))


# On a published campaign: (method, url name) -> expected per persona
PUBLISHED = {
    ("get", "detail"): row(OK, OK, OK, OK, OK, OK),
    ("get", "updates"): row(OK, OK, OK, OK, OK, OK),
    ("get", "support"): row(LOGIN, OK, OK, OK, OK, OK),
    ("post", "support"): row(LOGIN, OK, OK, OK, OK, OK),  # form errors: nothing ticked
    ("post", "withdraw"): row(LOGIN, MOVED, MOVED, MOVED, MOVED, MOVED),
    ("get", "withdraw"): row(
        LOGIN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED
    ),
    ("get", "edit"): row(LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN),
    ("post", "edit"): row(LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN),  # form errors
    ("post", "publish"): row(LOGIN, FORBIDDEN, FORBIDDEN, MOVED, MOVED, FORBIDDEN),
    ("get", "publish"): row(LOGIN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    ("get", "update-create"): row(LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN),
    ("post", "update-create"): row(LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN),
    ("get", "close"): row(LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN),
    ("post", "close"): row(LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN),  # form errors
    ("post", "archive"): row(LOGIN, FORBIDDEN, FORBIDDEN, MOVED, MOVED, FORBIDDEN),
    ("get", "archive"): row(LOGIN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    # An open campaign can't be reopened: the moderator's form comes back saying so.
    ("post", "reopen"): row(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    ("get", "reopen"): row(LOGIN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    ("get", "organisers"): row(LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN),
    ("post", "organisers"): row(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    ("get", "dashboard"): row(LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN),
    ("post", "export"): row(LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN),
    ("get", "export"): row(LOGIN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
}

# On a draft, everyone but its organisers is told it doesn't exist (after logging in).
DRAFT = {
    ("get", "detail"): row(MISSING, MISSING, MISSING, OK, OK, MISSING),
    ("get", "updates"): row(MISSING, MISSING, MISSING, OK, OK, MISSING),
    ("get", "support"): row(LOGIN, MISSING, MISSING, OK, OK, MISSING),
    ("get", "edit"): row(LOGIN, MISSING, MISSING, OK, OK, MISSING),
    ("post", "publish"): row(LOGIN, MISSING, MISSING, MOVED, MOVED, MISSING),
    ("get", "dashboard"): row(LOGIN, MISSING, MISSING, OK, OK, MISSING),
    ("post", "export"): row(LOGIN, MISSING, MISSING, OK, OK, MISSING),
    ("get", "organisers"): row(LOGIN, MISSING, MISSING, OK, OK, MISSING),
    ("post", "reopen"): row(LOGIN, MISSING, MISSING, FORBIDDEN, FORBIDDEN, MISSING),
}

# On a closed campaign: reading stays open, organisers' state-bound tools step aside.
CLOSED = {
    ("get", "detail"): row(OK, OK, OK, OK, OK, OK),
    ("get", "edit"): row(LOGIN, FORBIDDEN, FORBIDDEN, MOVED, MOVED, FORBIDDEN),  # "can't edit"
    ("post", "archive"): row(LOGIN, FORBIDDEN, FORBIDDEN, MOVED, MOVED, FORBIDDEN),
    ("post", "reopen"): row(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, MOVED),
    ("post", "withdraw"): row(LOGIN, MOVED, MOVED, MOVED, MOVED, MOVED),
    ("get", "dashboard"): row(LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN),
}


def cases(table: dict, state: str):
    return [
        pytest.param(
            state, method, name, persona, expected, id=f"{state}-{method}-{name}-{persona}"
        )
        for (method, name), expected_row in table.items()
        for persona, expected in expected_row.items()
    ]


@pytest.mark.parametrize(
    ("state", "method", "name", "persona", "expected"),
    cases(PUBLISHED, "published") + cases(DRAFT, "draft") + cases(CLOSED, "closed"),
)
def test_permission(state, method, name, persona, expected):
    campaign, users = build(state)
    check(request(campaign, users, persona, method, name), expected)


@pytest.mark.parametrize("persona", PERSONAS)
def test_removing_an_organiser(persona):
    campaign, users = build("published")
    cora = campaign.organisers.get(user=users["co_organiser"])
    response = request(campaign, users, persona, "post", "organiser-remove", cora.pk)
    expected = {
        "anonymous": LOGIN,
        "member": FORBIDDEN,
        "supporter": FORBIDDEN,
        "co_organiser": MOVED,  # stepping down
        "owner": MOVED,
        "moderator": FORBIDDEN,
    }[persona]
    check(response, expected)
    removed = not campaign.organisers.filter(pk=cora.pk).exists()
    assert removed == (expected == MOVED)


@pytest.mark.parametrize("persona", PERSONAS)
def test_get_on_organiser_remove_is_405_or_log_in(persona):
    campaign, users = build("published")
    cora = campaign.organisers.get(user=users["co_organiser"])
    response = request(campaign, users, persona, "get", "organiser-remove", cora.pk)
    check(response, LOGIN if persona == "anonymous" else NOT_ALLOWED)


# The rules themselves (Campaign's predicates, which the views and templates ask) agree with the
# tables above: a predicate that is true lets the persona in; false keeps them out.
PREDICATES = {
    "can_edit": (("get", "edit"), OK),
    "can_post_update": (("get", "update-create"), OK),
    "can_close": (("get", "close"), OK),
    "can_manage_organisers": (("post", "organisers"), OK),
}
# (Publish, archive and reopen answer with a redirect both when they act and when they refuse
# with a message, so their cells can't say which: test_services and test_reopen cover them.)


@pytest.mark.parametrize(
    ("state", "table"), [("published", PUBLISHED), ("draft", DRAFT), ("closed", CLOSED)]
)
def test_the_predicates_are_the_rules_the_tables_describe(state, table):
    campaign, users = build(state)
    checked = 0
    for predicate, (cell, allowed) in PREDICATES.items():
        if cell not in table:
            continue
        for persona, expected in table[cell].items():
            user = users[persona] or AnonymousUser()
            fresh = type(campaign).objects.get(pk=campaign.pk)
            may = getattr(fresh, predicate)(user)
            assert may == (expected == allowed), f"{predicate} for {persona} on a {state} campaign"
            checked += 1
    assert checked >= len(PERSONAS)  # at least one rule per table, for every persona


def test_the_page_offers_exactly_what_permissions_for_allows():
    campaign, users = build("published")
    links = {
        "edit": reverse("campaigns:edit", args=[campaign.slug]),
        "update": reverse("campaigns:update-create", args=[campaign.slug]),
        "close": reverse("campaigns:close", args=[campaign.slug]),
        "report": reverse("forum:report", args=["campaign", campaign.pk]),
        "moderate": reverse("forum:moderate", args=["campaign", campaign.pk]),
    }
    for persona, user in users.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        html = client.get(campaign.get_absolute_url()).content.decode()
        can = type(campaign).objects.get(pk=campaign.pk).permissions_for(user or AnonymousUser())
        for flag, url in links.items():
            assert (f'href="{url}"' in html) == getattr(can, flag), f"{flag} link for {persona}"
