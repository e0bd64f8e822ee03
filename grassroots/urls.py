import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.generic import TemplateView
from django.views.static import serve

from accounts.health import healthz
from campaigns.sitemaps import CampaignSitemap
from forum.sitemaps import PostSitemap, SectionSitemap

# The admin's own login form would bypass allauth's rate limits and email verification: send it through
# allauth's login instead (staff who are not logged in are redirected there).
# An instance attribute shadowing AdminSite.login, on purpose: mypy refuses assigning to a method.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Grassroots moderation"

SITEMAPS = {"sections": SectionSitemap, "posts": PostSitemap, "campaigns": CampaignSitemap}

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", healthz, name="healthz"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    # An index of the maps, each in pages (?p=2) of forum.sitemaps.SITEMAP_LIMIT addresses.
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<slug:section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("messages/", include("conversations.urls")),
    path("", include("forum.urls")),
]

if settings.TASKS_BACKEND == "rq":
    from django_rq.urls import get_admin_urlpatterns, get_api_urlpatterns

    View = Callable[..., HttpResponse]

    def task_dashboard_view(view: View) -> View:
        """django-rq's dashboard, behind the admin's log-in, for staff with the django_rq.admin
        permission (superusers): not every staff member, since the jobs' arguments include
        password-reset links, and its buttons delete and re-run jobs. (Its JSON stats, too: no
        API token.)"""

        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perm("django_rq.admin"):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return admin.site.admin_view(checked)

    # Without the API's token variant: the session (and the permission) is the only way in.
    api = [p for p in get_api_urlpatterns() if "<token>" not in str(p.pattern)]
    task_dashboard = [
        URLPattern(p.pattern, task_dashboard_view(p.callback), p.default_args, p.name)
        for p in api + get_admin_urlpatterns()
    ]
    # Before the admin's, whose catch-all would answer first. Its templates name it django_rq.
    urlpatterns.insert(1, path("admin/rq/", include((task_dashboard, "django_rq"))))

if settings.DEBUG or settings.SERVE_MEDIA:
    # Development and `make serve` only: Django serves uploads. Each part of the path at most 255 characters (a
    # file name's limit), so a longer one is "not found" rather than an OSError from the disk.
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>(?:[^/]{{1,255}}/)*[^/]{{1,255}})$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
