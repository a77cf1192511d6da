"""The account pages: sign up, log in, verify the address, passwords, profile, API keys.

Django's auth views wherever they fit (login, password change and reset), with forms
that set passwords through `apps.accounts.services.user_set_password`, so a password
changed or reset on the web ends the same sessions and refresh tokens as through the
API.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from rest_framework.exceptions import Throttled

from apps.accounts import services
from apps.accounts.forms import (
    ApiKeyForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    ProfileForm,
    SetPasswordForm,
    SignupForm,
)
from apps.accounts.models import ApiKey
from apps.accounts.throttles import FailedLogins
from apps.core.errors import ServiceError


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        services.email_verification_request(user=user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.info(request, f"Welcome! We have sent a link to {user.email}: open it to "
                               "confirm your address.")
        return redirect("dashboard")
    return render(request, "registration/signup.html", {"form": form})


class FailedPasswordLimit:
    """The API's failed-login limit (per address and account) for a form with a
    password field: refused with 429 past the limit, a wrong password counted."""

    password_field = "password"

    def limited_post(self, request, email: str, *args, **kwargs):
        self.failures = FailedLogins(request, email)
        try:
            self.failures.check()
        except Throttled as refused:
            response = self.render_to_response(
                self.get_context_data(form=self.get_form(), too_many=refused.detail),
                status=429)
            response["Retry-After"] = str(int(refused.wait))
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if self.password_field is None or form.has_error(self.password_field):
            self.failures.failed()
        return super().form_invalid(form)


class LoginView(FailedPasswordLimit, auth_views.LoginView):
    """Django's login form, with the API's failed-login limit (per address and account)."""

    password_field = None  # any failed login counts (the form reports no field)

    def post(self, request, *args, **kwargs):
        return self.limited_post(request, request.POST.get("username", ""), *args, **kwargs)


class PasswordChangeView(FailedPasswordLimit, auth_views.PasswordChangeView):
    """Change my password; every other session of mine ends (this one stays), and my
    refresh tokens are blacklisted. Wrong old passwords count as failed logins."""

    form_class = PasswordChangeForm
    password_field = "old_password"

    def post(self, request, *args, **kwargs):
        return self.limited_post(request, request.user.email, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link. The answer is the same whether or not the address has an
    account; the e-mail is the one the API sends (apps.accounts.emails)."""

    form_class = PasswordResetRequestForm


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm


@never_cache
def verify_email(request, token: str):
    """The link in the verification e-mail. Needs no login: the token is the proof."""
    try:
        user = services.email_verify(token=token)
    except ServiceError as refused:
        return render(request, "accounts/verify_email_failed.html",
                      {"reason": refused.message}, status=400)
    return render(request, "accounts/verify_email_done.html", {"verified_email": user.email})


@require_POST
@login_required
def verify_email_resend(request):
    if request.user.email_verified:
        messages.info(request, "Your e-mail address is already verified.")
    elif services.email_verification_request(user=request.user):
        messages.success(request, f"We have sent a new link to {request.user.email}.")
    else:
        messages.error(request, "We have sent several links in the last hour: please use one "
                                "of those, or try again later.")
    return redirect("profile")


@login_required
def profile(request):
    """My name, my e-mail preference, and whether my address is verified."""
    user = request.user
    form = ProfileForm(request.POST or None,
                       initial={"name": user.name, "email_notifications": user.email_notifications})
    if request.method == "POST" and form.is_valid():
        form.save(user)
        messages.success(request, "Your profile is saved.")
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def api_keys(request):
    """My API keys (never a key itself), and a form that makes one.

    A new key is shown once, in the answer to the POST that made it: it is not kept in
    the session or put in a URL, and reloading the list never shows it again.
    """
    form = ApiKeyForm(request.POST or None)
    created = raw_key = None
    if request.method == "POST" and form.is_valid():
        try:
            created, raw_key = services.api_key_create(
                user=request.user, name=form.cleaned_data["name"],
                rate_per_minute=form.cleaned_data["rate_per_minute"])
        except ServiceError as refused:
            for field, errors in refused.details.items():
                for error in errors:
                    form.add_error(field, error)
        else:
            form = ApiKeyForm()
    response = render(request, "accounts/api_keys.html", {
        "form": form, "created": created, "raw_key": raw_key,
        "keys": ApiKey.objects.owned_by(request.user)})
    if raw_key:
        response["Cache-Control"] = "no-store"  # a secret: no copy in any cache
    return response


@require_POST
@login_required
def api_key_revoke(request, key_id: int):
    key = get_object_or_404(ApiKey.objects.owned_by(request.user), pk=key_id)
    services.api_key_revoke(key=key)
    messages.success(request, f"The key {key.name} ({key.prefix}…) is revoked.")
    return redirect("api-keys")

