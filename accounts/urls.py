from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("members/<str:username>/", views.profile, name="profile"),
    path("account/profile/", views.profile_edit, name="profile-edit"),
    path("accounts/delete/", views.account_delete_view, name="account-delete"),
    path("privacy/", views.privacy, name="privacy"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
    path("account/notifications/", views.notification_settings, name="notification-settings"),
    path("account/data/", views.data_export, name="data-export"),
    path(
        "account/data/<int:pk>/download/", views.data_export_download, name="data-export-download"
    ),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("members/<str:username>/block/", views.block, name="block"),
    path("members/<str:username>/unblock/", views.unblock, name="unblock"),
]
