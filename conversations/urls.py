from django.urls import path

from . import views

app_name = "conversations"

urlpatterns = [
    path("", views.conversation_list, name="list"),
    path("new/", views.conversation_start, name="start"),
    path("<int:pk>/", views.conversation_detail, name="detail"),
    path("<int:pk>/leave/", views.conversation_leave, name="leave"),
    path("m/<int:pk>/", views.message_detail, name="message"),
    path("m/<int:pk>/delete/", views.message_delete, name="message-delete"),
]
