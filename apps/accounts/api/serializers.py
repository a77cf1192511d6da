from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from apps.accounts import tokens
from apps.accounts.credentials import CredentialSecretSerializer
from apps.accounts.models import ApiKey, Credential, User, normalize_email_address
from apps.core.api.serializers import StrictSerializer
from apps.web.urls import normalize_url, origin


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})

    def validate_email(self, value: str) -> str:
        value = normalize_email_address(value)
        if User.objects.filter(email=value).exists():
            raise serializers.ValidationError("A user with this e-mail address already exists.")
        return value

    def validate(self, attrs):
        _validated_password(attrs["password"], User(email=attrs["email"]), "password")
        return attrs


class PlanSerializer(serializers.Serializer):
    name = serializers.CharField()
    analyses_per_month = serializers.IntegerField()
    max_pages_per_analysis = serializers.IntegerField()
    max_concurrent_analyses = serializers.IntegerField()
    api_rate_per_minute = serializers.IntegerField()
    export_retention_days = serializers.IntegerField()
    webhook_endpoints = serializers.IntegerField()


class UserSerializer(serializers.ModelSerializer):
    plan = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "name", "email_verified_at", "is_staff", "date_joined", "plan",
                  "email_notifications"]
        read_only_fields = fields

    def get_plan(self, user: User) -> dict:
        return PlanSerializer(user.get_plan()).data


class PreferencesSerializer(StrictSerializer):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True,
                                 help_text="What pages and e-mails call you.")
    email_notifications = serializers.BooleanField(
        required=False, help_text="E-mail when an analysis completes or fails.")


class ApiKeySerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "rate_per_minute", "created_at", "last_used_at",
                  "revoked_at"]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, default="API key")
    rate_per_minute = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None,
        help_text="Requests per minute this key may make, within your plan's rate "
                  "(apps.accounts.services.api_key_create checks it); empty: the plan's.")


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()


def _validated_password(password: str, user: User, field: str) -> str:
    """Django's password validators (AUTH_PASSWORD_VALIDATORS), as a field error."""
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({field: list(exc.messages)}) from exc
    return password


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class PasswordResetSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(StrictSerializer):
    """The uid and token of a reset e-mail, and the new password. `validate` puts the
    user they are for in `user`."""

    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(write_only=True, max_length=128,
                                         style={"input_type": "password"})

    def validate(self, attrs):
        user = tokens.user_for_password_reset(attrs["uid"], attrs["token"])
        if user is None:
            raise serializers.ValidationError(
                {"token": ["This password reset link is invalid or has expired."]})
        _validated_password(attrs["new_password"], user, "new_password")
        return {**attrs, "user": user}


class VerifyEmailSerializer(StrictSerializer):
    token = serializers.CharField(max_length=256)


class PasswordChangeSerializer(StrictSerializer):
    """Needs the requesting user in the context (`user`)."""

    old_password = serializers.CharField(write_only=True, max_length=128,
                                         style={"input_type": "password"})
    new_password = serializers.CharField(write_only=True, max_length=128,
                                         style={"input_type": "password"})

    def validate_old_password(self, value: str) -> str:
        if not self.context["user"].check_password(value):
            raise serializers.ValidationError("Your old password is not correct.")
        return value

    def validate(self, attrs):
        _validated_password(attrs["new_password"], self.context["user"], "new_password")
        return attrs


class CredentialSerializer(serializers.ModelSerializer):
    """A saved credential as the API shows it: never its secret."""

    class Meta:
        model = Credential
        fields = ["id", "name", "origin", "kind", "created_at", "last_used_at"]
        read_only_fields = fields


def validate_origin(value: str) -> str:
    normalised = normalize_url(value.strip())
    if normalised is None:
        raise serializers.ValidationError("Enter the site's http(s) URL, e.g. https://example.com.")
    return origin(normalised)


class CredentialCreateSerializer(CredentialSecretSerializer):
    name = serializers.CharField(max_length=100)
    origin = serializers.CharField(max_length=300,
                                   help_text="The site it is sent to (scheme, host, port); "
                                             "any URL of the site is accepted.")

    def validate_origin(self, value: str) -> str:
        return validate_origin(value)
