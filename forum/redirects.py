from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def back(request: HttpRequest, fallback: str, *, anchor: str = "") -> HttpResponse:
    """Redirect to the form's `next` if it is a URL on this site, else to `fallback`; `anchor`
    is added to a `next` without a fragment of its own (one form serves a page's comments).

    `next` goes out as a plain URL, never through `redirect()`: that would try to reverse a value
    like "-1" as a view name and fail with NoReverseMatch (a 500) instead of going back.
    """
    target = request.POST.get("next", "")
    if (
        target.startswith("/")
        and "\x00" not in target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        if anchor and "#" not in target:
            target = f"{target}#{anchor}"
        return HttpResponseRedirect(target)
    return redirect(fallback)
