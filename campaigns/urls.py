from django.urls import path

from . import views
from .feeds import CampaignUpdatesFeed

app_name = "campaigns"

# Campaign slugs never take the words used here (Campaign.RESERVED_SLUGS).
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("<slug:slug>/", views.campaign_detail, name="detail"),
    path("<slug:slug>/updates/", views.campaign_updates, name="updates"),
    path("<slug:slug>/updates/feed/", CampaignUpdatesFeed(), name="feed-updates"),
    path("<slug:slug>/edit/", views.campaign_edit, name="edit"),
    path("<slug:slug>/publish/", views.campaign_publish, name="publish"),
    path("<slug:slug>/close/", views.campaign_close, name="close"),
    path("<slug:slug>/archive/", views.campaign_archive, name="archive"),
    path("<slug:slug>/reopen/", views.campaign_reopen, name="reopen"),
    path("<slug:slug>/support/", views.support, name="support"),
    path("<slug:slug>/withdraw/", views.support_withdraw, name="withdraw"),
    path("<slug:slug>/updates/new/", views.update_create, name="update-create"),
    path("<slug:slug>/organisers/", views.organisers, name="organisers"),
    path(
        "<slug:slug>/organisers/<int:pk>/remove/",
        views.organiser_remove,
        name="organiser-remove",
    ),
    path("<slug:slug>/dashboard/", views.dashboard, name="dashboard"),
    path("<slug:slug>/export/", views.export, name="export"),
]
