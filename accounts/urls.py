from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("members/<str:username>/", views.profile, name="profile"),
    path("account/profile/", views.profile_edit, name="profile-edit"),
    path("privacy/", views.privacy, name="privacy"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
]
