from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from _typeshed import SupportsWrite


class CampaignsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "campaigns"

    def ready(self) -> None:
        # Members report campaigns, and moderators hide, remove and restore them, with the
        # forum's moderation tools (/report/campaign/<pk>/, /moderation/campaign/<pk>/).
        from django.db.models import Exists, OuterRef

        from accounts.permissions import register_moderator_permissions
        from accounts.profile_sections import register_profile_section
        from forum import pagecache
        from forum.hats import register_thread_hat
        from forum.moderation import register_reportable

        from .models import Campaign, CampaignChange, CampaignUpdate, Organiser, Support
        from .profile import profile_campaigns
        from .services import discussion_follow_campaign

        register_reportable(
            "campaign",
            Campaign,
            related=["created_by"],
            after_moderation=discussion_follow_campaign,
        )
        # A campaign's organisers wear an "organiser" hat in its discussion thread, worked out in
        # the query that fetches the comments (forum never imports campaigns).
        register_thread_hat(
            "organiser",
            lambda post_field, user_field: Exists(
                Organiser.objects.filter(
                    campaign__discussion_id=OuterRef(post_field), user_id=OuterRef(user_field)
                )
            ),
            title="An organiser of this campaign",
        )
        # Campaign pages are in the anonymous page cache: what they show makes it stale. Supports
        # are deleted with a queryset's delete() by support_withdraw, which bumps itself.
        pagecache.watch(Campaign, CampaignChange, CampaignUpdate, Organiser)
        pagecache.watch(Support, deletes=False)
        # Moderators see campaigns in the admin and act on them through the moderation actions.
        register_moderator_permissions(
            self.label, ["campaigns.view_campaign", "campaigns.change_campaign"]
        )
        # Campaigns are found by the forum's search, ranked among posts and comments.
        from .search import register_campaign_search

        register_campaign_search()
        # A member's page names the campaigns they organise (never those they support).
        register_profile_section(
            "campaigns", "Campaigns they organise", profile_campaigns, position=10
        )
        # Supporter records of long-closed campaigns go (their counts stay): `manage.py retention`.
        from .retention import register_campaign_rules

        register_campaign_rules()
        # Deleting an account: supports go (counts corrected), campaigns they own pass on or
        # close. Before forum's handler, so a discussion post passes on before forum erases it.
        from accounts.deletion import register_deletion_handler

        from .services import account_delete_campaigns

        register_deletion_handler("campaigns", account_delete_campaigns, position=10)

        # A member's data export has their supports, with the consent wording (accounts.data_export).
        from .data_export import register_campaign_export_sections

        register_campaign_export_sections()

    def build_demo(self, stdout: SupportsWrite[str]) -> None:
        from .demo import build_demo

        build_demo(stdout)
