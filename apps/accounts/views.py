from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from rest_framework.exceptions import Throttled

from apps.accounts.forms import SignupForm
from apps.accounts.throttles import FailedLogins


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("dashboard")
    return render(request, "registration/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    """Django's login form, with the API's failed-login limit (per address and account)."""

    def post(self, request, *args, **kwargs):
        self.failures = FailedLogins(request, request.POST.get("username", ""))
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
        self.failures.failed()
        return super().form_invalid(form)
