from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import BaseUserCreationForm

from apps.accounts import services
from apps.accounts.models import User, normalize_email_address


class SignupForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        email = normalize_email_address(self.cleaned_data.get("email"))
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError("A user with this e-mail address already exists.")
        return email


class ProfileForm(forms.Form):
    """What the profile page changes (what PATCH /api/v1/auth/me changes, too)."""

    name = forms.CharField(max_length=150, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email_notifications = forms.BooleanField(
        required=False, label="E-mail me when an analysis completes or fails")

    def save(self, user: User) -> User:
        return services.user_update(user=user, name=self.cleaned_data["name"],
                                    email_notifications=self.cleaned_data["email_notifications"])


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100)
    rate_per_minute = forms.IntegerField(
        min_value=1, required=False, label="Requests a minute (optional)",
        help_text="At most your plan's rate; empty: the plan's.")


class PasswordResetRequestForm(auth_forms.PasswordResetForm):
    """Django's form, sending our e-mail through the service the API uses too."""

    def save(self, **kwargs) -> None:
        services.password_reset_request(email=self.cleaned_data["email"])


class SetPasswordForm(auth_forms.SetPasswordForm):
    """The reset confirm form: the new password is set through the service that ends
    the user's sessions and refresh tokens."""

    def save(self, commit: bool = True) -> User:
        return services.user_set_password(user=self.user,
                                          password=self.cleaned_data["new_password1"])


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def save(self, commit: bool = True) -> User:
        return services.user_set_password(user=self.user,
                                          password=self.cleaned_data["new_password1"])
