"""The Moderators group's permissions, declared in code and set after every `migrate`.

Each app lists what its moderators need from its own `AppConfig.ready()`:

    from accounts.permissions import register_moderator_permissions
    register_moderator_permissions("campaigns", ["campaigns.view_campaign", ...])

After every `migrate` the group holds exactly the union of the lists: a permission granted by hand in
the admin is taken away again, and one dropped from a list is revoked. Data migrations can't do this:
on a fresh database permissions are only created after the last migration has run.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable
from typing import Any

from django.apps import apps as global_apps
from django.apps.config import AppConfig
from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, router
from django.db.models import Q

from .models import MODERATORS_GROUP

# app label -> that app's share of the group's permissions, as "app_label.codename".
MODERATOR_PERMISSIONS: dict[str, frozenset[str]] = {}


def register_moderator_permissions(app_label: str, permissions: Iterable[str]) -> None:
    """Call from AppConfig.ready(). Registering again replaces the app's earlier list."""
    MODERATOR_PERMISSIONS[app_label] = frozenset(permissions)


def moderator_permissions() -> frozenset[str]:
    return frozenset().union(*MODERATOR_PERMISSIONS.values())


def grant_group_permissions(
    group_name: str,
    permissions: Iterable[str],
    *,
    using: str = DEFAULT_DB_ALIAS,
    apps: Apps = global_apps,
    strict: bool = True,
) -> tuple[set[str], set[str]]:
    """Give the group exactly these permissions ("app_label.codename"), creating the group if needed.

    An unknown permission raises ImproperlyConfigured (a typo must not pass silently); with
    strict=False it is only warned about, for migrate runs where its app's tables don't exist yet.
    Returns (granted, revoked) as "app_label.codename" names.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = set(permissions)
    match = Q(pk__in=[])
    for name in wanted:
        app_label, _, codename = name.partition(".")
        match |= Q(content_type__app_label=app_label, codename=codename)
    found = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using)
        .filter(match)
        .values_list("pk", "content_type__app_label", "codename")
    }
    missing = wanted - found.keys()
    if missing:
        message = (
            f"Permissions for the {group_name} group do not exist: {', '.join(sorted(missing))}"
        )
        if strict:
            raise ImproperlyConfigured(message)
        warnings.warn(message, RuntimeWarning, stacklevel=2)

    group, _ = Group.objects.using(using).get_or_create(name=group_name)
    had = {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }
    group.permissions.set(found.values())
    return found.keys() - had, had - found.keys()


def sync_moderator_permissions(
    *, using: str = DEFAULT_DB_ALIAS, apps: Apps = global_apps, strict: bool = True
) -> tuple[set[str], set[str]]:
    return grant_group_permissions(
        MODERATORS_GROUP, moderator_permissions(), using=using, apps=apps, strict=strict
    )


def sync_after_migrate(
    sender: AppConfig,
    *,
    using: str = DEFAULT_DB_ALIAS,
    apps: Apps = global_apps,
    verbosity: int = 1,
    **kwargs: Any,
) -> None:
    """post_migrate receiver, connected for the accounts app only (see AccountsConfig.ready)."""
    try:
        Group = apps.get_model("auth", "Group")
    except LookupError:  # auth is not migrated on this database (yet)
        return
    if not router.allow_migrate_model(using, Group):
        return
    # auth creates each app's permissions in that app's own post_migrate turn, and apps after
    # accounts in INSTALLED_APPS (forum, campaigns) haven't had theirs yet. Creating them is idempotent.
    for app_label in MODERATOR_PERMISSIONS:
        create_permissions(
            global_apps.get_app_config(app_label), verbosity=0, using=using, apps=apps
        )
    granted, revoked = sync_moderator_permissions(using=using, apps=apps, strict=False)
    if verbosity >= 1 and (granted or revoked):
        stdout = kwargs.get("stdout") or sys.stdout
        for name in sorted(granted):
            stdout.write(f"  {MODERATORS_GROUP} group: granted {name}\n")
        for name in sorted(revoked):
            stdout.write(f"  {MODERATORS_GROUP} group: revoked {name}\n")
