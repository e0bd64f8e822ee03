from django.db import transaction
from django.utils import timezone

from .models import Affiliation, User


@transaction.atomic
def profile_update(
    *,
    user: User,
    display_name: str,
    bio: str,
    affiliations: dict[str, tuple[str, str] | None],
) -> User:
    """Save a member's own profile. An affiliation set to None is deleted: consent withdrawn."""
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    user.save(update_fields=["display_name", "bio"])
    existing = {a.kind: a for a in user.affiliations.select_for_update()}
    for kind, shared in affiliations.items():
        current = existing.get(kind)
        if shared is None:
            if current is not None:
                current.delete()
            continue
        name, visibility = shared
        if current is None:
            Affiliation.objects.create(
                user=user, kind=kind, name=name, visibility=visibility, consented_at=timezone.now()
            )
        elif (current.name, current.visibility) != (name, visibility):
            # A changed name or wider audience is a fresh decision to share: re-date the consent.
            current.name, current.visibility = name, visibility
            current.consented_at = timezone.now()
            current.save(update_fields=["name", "visibility", "consented_at"])
    return user
