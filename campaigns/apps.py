from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "campaigns"

    def ready(self) -> None:
        # Members report campaigns, and moderators hide, remove and restore them, with the
        # forum's moderation tools (/report/campaign/<pk>/, /moderation/campaign/<pk>/).
        from forum.moderation import register_reportable

        from .models import Campaign

        register_reportable("campaign", Campaign)

    def build_demo(self, stdout) -> None:
        from .demo import build_demo

        build_demo(stdout)
