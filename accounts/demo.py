"""Demo members. Later apps add posts, threads and campaigns on top of these in their own demo modules."""

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


def build_members() -> dict[str, User]:
    """Create or update the demo members. Idempotent: running it twice changes nothing."""
    moderators, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    users = {}
    for username, display_name, bio, role, affiliations in MEMBERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.org",
                "display_name": display_name,
                "bio": bio,
                "privacy_accepted_at": timezone.now(),
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
                    consented_at=timezone.now(),
                )
        if role == "moderator":
            user.groups.add(moderators)
        users[username] = user
    return users
