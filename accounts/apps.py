from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def build_demo(self, stdout) -> None:
        from django.db import transaction

        from .demo import build_members

        with transaction.atomic():
            build_members()
