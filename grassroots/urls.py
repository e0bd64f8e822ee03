from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

# The admin's own login form would bypass allauth's rate limits and email verification: send it through
# allauth's login instead (staff who are not logged in are redirected there).
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Grassroots moderation"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("", include("forum.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
