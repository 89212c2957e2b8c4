"""Signing in (through the throttled `login_check` service) and signing out (POST only)."""

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from tidtam.accounts.forms import LoginForm
from tidtam.accounts.services import login_check
from tidtam.core.errors import ServiceError, Throttled


def _safe_next(request: HttpRequest) -> str:
    """The `next` address when it stays on this site, else an empty string."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if allowed else ""


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    form = LoginForm(request.POST if request.method == "POST" else None)
    status = 200
    retry_after = None
    if form.is_bound and form.is_valid():
        try:
            user = login_check(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                client=request.META.get("REMOTE_ADDR", ""),
            )
        except ServiceError as error:
            form.add_error(None, error.message)
            if isinstance(error, Throttled):
                status, retry_after = error.status, error.retry_after
        else:
            login(request, user)
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    response = render(request, "accounts/login.html", {"form": form, "next": next_url}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)
