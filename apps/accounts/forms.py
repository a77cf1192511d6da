from django import forms
from django.contrib.auth.forms import BaseUserCreationForm

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
