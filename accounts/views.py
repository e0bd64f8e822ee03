from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .forms import ProfileForm
from .http import AuthenticatedHttpRequest
from .models import User
from .services import ProfileRefused, notifications_mark_read, profile_update


def profile(request: HttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(User, username=username, is_active=True)
    affiliations = member.affiliations.visible_to(request.user).filter(user=member)
    return render(
        request,
        "accounts/profile.html",
        {"member": member, "affiliations": affiliations, "is_own": request.user == member},
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Always the logged-in member's own profile: there is no URL or field naming another member.
    user = request.user
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_for(user))
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(
                actor=user,
                display_name=form.cleaned_data["display_name"],
                bio=form.cleaned_data["bio"],
                affiliations=form.affiliations(),
            )
        except ProfileRefused as refused:
            # Suspended: the page comes back with what they typed and what still works.
            form.add_error(None, str(refused))
        else:
            messages.success(request, "Your profile is saved.")
            return redirect(user.get_absolute_url())
    return render(request, "accounts/profile_edit.html", {"form": form})


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/privacy.html")


@login_required
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(request.user.notifications.all(), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    notifications_mark_read(actor=request.user)
    return redirect("accounts:notifications")
