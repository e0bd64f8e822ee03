from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, MEMBERS, build_members


class Command(BaseCommand):
    help = "Create a small believable community to try the site with. Safe to run repeatedly."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo accounts share a published password).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to create demo accounts with DEBUG off: their password is public. "
                "Use --force on a throwaway database."
            )
        with transaction.atomic():
            build_members()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data is ready. Log in at http://127.0.0.1:8000/accounts/login/"
            )
        )
        self.stdout.write(f"Every demo account's password is: {DEMO_PASSWORD}")
        for username, display_name, _bio, role, _aff in MEMBERS:
            self.stdout.write(f"  {username:<8} {role:<10} {display_name}")
