from django.urls import path

from . import feeds, mod_views, search_views, views

app_name = "forum"

urlpatterns = [
    path("", views.home, name="home"),
    path("feed/", feeds.FrontFeed(), name="feed-front"),
    path("new/", views.newest, name="newest"),
    path("new/feed/", feeds.NewestFeed(), name="feed-newest"),
    path("recommended/", views.recommended, name="recommended"),
    path("s/<slug:slug>/", views.section, name="section"),
    path("s/<slug:slug>/feed/", feeds.SectionFeed(), name="feed-section"),
    path("members/<str:username>/feed/", feeds.MemberFeed(), name="feed-member"),
    path("drafts/", views.drafts, name="drafts"),
    path("search/", search_views.search_page, name="search"),
    path("p/new/", views.post_create, name="post-create"),
    path("p/<int:pk>/", views.post_detail, name="post-detail-short"),
    path("p/<int:pk>/edit/", views.post_edit, name="post-edit"),
    path("p/<int:pk>/delete/", views.post_delete, name="post-delete"),
    path("p/<int:pk>/history/", views.post_history, name="post-history"),
    path("p/<int:pk>/recommend/", views.post_recommend, name="post-recommend"),
    path("p/<int:pk>/comment/", views.comment_create, name="comment-create"),
    path("p/<int:pk>/follow/", views.post_follow, name="post-follow"),
    path("p/<int:pk>/feed/", feeds.CommentsFeed(), name="feed-comments"),
    # Last among p/<pk>/...: a slug could otherwise shadow edit/, delete/ and the rest.
    path("p/<int:pk>/<slug:slug>/", views.post_detail, name="post-detail"),
    path("c/<int:pk>/", views.comment_detail, name="comment-detail"),
    path("c/<int:pk>/reply/", views.comment_reply, name="comment-reply"),
    path("c/<int:pk>/edit/", views.comment_edit, name="comment-edit"),
    path("c/<int:pk>/delete/", views.comment_delete, name="comment-delete"),
    path("c/<int:pk>/vote/", views.comment_vote, name="comment-vote"),
    path("c/<int:pk>/history/", views.comment_history, name="comment-history"),
    path("report/<slug:kind>/<int:pk>/", mod_views.report, name="report"),
    path("moderation/log/", mod_views.moderation_log, name="moderation-log"),
    path("moderation/log/feed/", feeds.ModerationLogFeed(), name="feed-moderation-log"),
    path("moderation/mine/", mod_views.moderation_mine, name="moderation-mine"),
    path("moderation/reports/", mod_views.report_queue, name="report-queue"),
    path("moderation/member/<str:username>/", mod_views.moderate_member, name="moderate-member"),
    path("moderation/<slug:kind>/<int:pk>/", mod_views.moderate, name="moderate"),
]
