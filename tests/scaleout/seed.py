"""The scale-out servers' data, written into their database before they start.

    python -m tests.scaleout.seed   (with the servers' environment)

Members as allauth leaves them after sign-up and verification (tests/conftest.py make_member), all
of them past their first day so the ordinary rate limits apply; an organiser's published campaign
with supporters; a thread for the load to reply to; and a logged-in session for each load member
(as `force_login`: the test logs in through the form where the log-in is the point). Prints what
the test needs as JSON.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
django.setup()

from allauth.account.models import EmailAddress  # noqa: E402 (after django.setup())
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from campaigns.models import SUPPORT_CONSENT, Campaign, Support  # noqa: E402
from forum import services as forum_services  # noqa: E402
from forum.models import Section  # noqa: E402
from tests.campaigns import factories  # noqa: E402
from tests.conftest import PASSWORD  # noqa: E402

SUPPORTERS = 25
LOAD_MEMBERS = 60
LOAD_RUNS = 4  # tests/scaleout/test_two_servers.py STOPS
# Who logs in through the form, each in one test.
FORM_MEMBERS = ["alice", "pat", "olu"]


def members(names: list[str]) -> list[User]:
    # One password hash for all: hashing is deliberately slow, and nobody logs in as most of them.
    password = make_password(PASSWORD)
    joined = timezone.now() - timedelta(days=30)
    users = User.objects.bulk_create(
        User(username=name, email=f"{name}@example.org", password=password, date_joined=joined)
        for name in names
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    return users


def main() -> None:
    by_name = {user.username: user for user in members(FORM_MEMBERS)}
    supporters = members([f"supporter{i:02}" for i in range(SUPPORTERS)])
    load = members([f"load{i:02}" for i in range(LOAD_MEMBERS)])

    campaign = factories.campaign(by_name["olu"], title="Open the party's books")
    now = timezone.now()
    Support.objects.bulk_create(
        Support(
            campaign=campaign,
            user=user,
            support_consent_version=SUPPORT_CONSENT.version,
            created_at=now,
            updated_at=now,
        )
        for user in supporters
    )
    Campaign.objects.filter(pk=campaign.pk).update(support_count=SUPPORTERS)

    # One thread for each run of the load, so each counts its own replies on pages of its own.
    threads = [
        forum_services.post_create(
            actor=by_name["olu"],
            section=Section.objects.get(slug="branch-life"),
            title=f"Branch meeting {n}: who can come?",
            body="Reply with the evenings you can do.",
            publish=True,
        )
        for n in range(1, LOAD_RUNS + 1)
    ]
    # For the test that follows one reply by its request id.
    welcome = forum_services.post_create(
        actor=members(["sam"])[0],
        section=Section.objects.get(slug="branch-life"),
        title="Welcome, new members",
        body="Say hello.",
        publish=True,
    )
    sessions = []
    for user in load:
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)

    print(
        json.dumps(
            {
                "campaign": campaign.slug,
                "supporters": sorted(user.email for user in supporters),
                "threads": [(thread.pk, thread.get_absolute_url()) for thread in threads],
                "welcome": (welcome.pk, welcome.get_absolute_url()),
                "load_sessions": sessions,
            }
        )
    )


if __name__ == "__main__":
    main()
