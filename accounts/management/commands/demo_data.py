from argparse import ArgumentParser
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, MEMBERS


class Command(BaseCommand):
    help = "Create a small believable community to try the site with. Safe to run repeatedly."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo accounts share a published password).",
        )

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to create demo accounts with DEBUG off: their password is public. "
                "Use --force on a throwaway database."
            )
        # Each app contributes its own demo data through a `build_demo(stdout)` method on its
        # AppConfig, in INSTALLED_APPS order: accounts never imports the apps built on it.
        for config in apps.get_app_configs():
            build_demo = getattr(config, "build_demo", None)
            if build_demo is not None:
                build_demo(self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data is ready. Log in at http://127.0.0.1:8000/accounts/login/"
            )
        )
        self.stdout.write(f"Every demo account's password is: {DEMO_PASSWORD}")
        for username, display_name, _bio, role, _aff in MEMBERS:
            self.stdout.write(f"  {username:<8} {role:<10} {display_name}")
