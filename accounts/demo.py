"""Demo members. Later apps add posts, threads and campaigns on top of these in their own demo modules."""

from datetime import UTC, datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone

from .models import MODERATORS_GROUP, Affiliation, User, Visibility

DEMO_PASSWORD = "grassroots-demo"  # noqa: S105 - printed for local demo use; the command refuses when DEBUG is off

# username, display name, bio, role, [(kind, name, visibility)]
MEMBERS = [
    ("admin", "Site Admin", "Keeps the lights on.", "superuser", []),
    (
        "maya",
        "Maya Patel",
        "Branch secretary. Moderator.",
        "moderator",
        [("branch", "Leeds Central", Visibility.PUBLIC)],
    ),
    (
        "olu",
        "Olu Adeyemi",
        "Organising for open books in the party's finances.",
        "organiser",
        [("branch", "Bristol West", Visibility.PUBLIC), ("union", "Unite", Visibility.MEMBERS)],
    ),
    (
        "alice",
        "Alice Okafor",
        "Nurse, Unison rep, member since 2015.",
        "member",
        [
            ("union", "Unison", Visibility.PUBLIC),
            ("branch", "Manchester Gorton", Visibility.MEMBERS),
        ],
    ),
    (
        "bob",
        "Bob Hughes",
        "Retired teacher. Here to argue about policy.",
        "member",
        [("union", "NEU", Visibility.PRIVATE)],
    ),
    ("chen", "Chen Wei", "", "member", []),
    (
        "dafydd",
        "Dafydd Evans",
        "Cardiff. Housing and transport.",
        "member",
        [("branch", "Cardiff South", Visibility.PUBLIC)],
    ),
    (
        "erin",
        "Erin Walsh",
        "Young members' officer.",
        "member",
        [("branch", "Glasgow Kelvin", Visibility.MEMBERS), ("union", "GMB", Visibility.MEMBERS)],
    ),
]


# When each named member joined, to fit their story: the site's founders first, alice in 2015 as
# her bio says, the others months or years ago, and every one before anything they write in the
# forum and campaign demos (at most ~4 months back). None is a new member: the new-member limits
# (forum/limits.py) and the rule that new members' reports don't hide anything would otherwise
# apply to the accounts the demo is explored with. A fixed date is a date; a timedelta is "ago".
JOINED: dict[str, datetime | timedelta] = {
    "admin": datetime(2014, 3, 3, 9, 0, tzinfo=UTC),  # set the site up
    "maya": datetime(2014, 6, 18, 19, 30, tzinfo=UTC),  # one of its first moderators
    "alice": datetime(2015, 5, 9, 20, 15, tzinfo=UTC),  # "member since 2015"
    "bob": datetime(2017, 9, 24, 10, 5, tzinfo=UTC),
    "olu": datetime(2019, 1, 14, 18, 40, tzinfo=UTC),
    "dafydd": timedelta(days=3 * 365 + 41, hours=5),
    "erin": timedelta(days=400, hours=2),
    "chen": timedelta(days=210, hours=7),  # the newest named member, still months ago
}


def joined_at(username: str, now: datetime) -> datetime:
    when = JOINED[username]
    return now - when if isinstance(when, timedelta) else when


def build_members() -> dict[str, User]:
    """Create or update the demo members. Idempotent: running it twice changes nothing."""
    moderators, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    now = timezone.now()
    users = {}
    for username, display_name, bio, role, affiliations in MEMBERS:
        joined = joined_at(username, now)
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.org",
                "display_name": display_name,
                "bio": bio,
                "date_joined": joined,
                "privacy_accepted_at": joined,
                "is_staff": role in {"superuser", "moderator"},
                "is_superuser": role == "superuser",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
            for kind, name, visibility in affiliations:
                Affiliation.objects.create(
                    user=user,
                    kind=kind,
                    name=name,
                    visibility=visibility,
                    consented_at=joined,
                )
        elif user.email == f"{username}@example.org" and user.date_joined > joined:
            # A demo database built before join dates fitted the story: backdate the account, so
            # a second `make run` also stops treating it as a brand-new member.
            User.objects.filter(pk=user.pk).update(date_joined=joined)
            user.date_joined = joined
        if role == "moderator":
            user.groups.add(moderators)
        users[username] = user
    return users
