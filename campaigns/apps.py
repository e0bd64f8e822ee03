from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "campaigns"

    def ready(self) -> None:
        # Members report campaigns, and moderators hide, remove and restore them, with the
        # forum's moderation tools (/report/campaign/<pk>/, /moderation/campaign/<pk>/).
        from accounts.permissions import register_moderator_permissions
        from forum.moderation import register_reportable

        from .models import Campaign

        register_reportable("campaign", Campaign, related=["created_by"])
        # Moderators see campaigns in the admin and act on them through the moderation actions.
        register_moderator_permissions(
            self.label, ["campaigns.view_campaign", "campaigns.change_campaign"]
        )

    def build_demo(self, stdout) -> None:
        from .demo import build_demo

        build_demo(stdout)
