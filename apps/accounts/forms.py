from django.contrib.auth.forms import BaseUserCreationForm

from apps.accounts.models import User


class SignupForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)
