from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

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
        try:
            password_validation.validate_password(attrs["password"], User(email=attrs["email"]))
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
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
        fields = ["id", "email", "is_staff", "date_joined", "plan", "email_notifications"]
        read_only_fields = fields

    def get_plan(self, user: User) -> dict:
        return PlanSerializer(user.get_plan()).data


class PreferencesSerializer(StrictSerializer):
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
        help_text="Requests per minute this key may make, within your plan's rate; "
                  "empty: the plan's.")

    def validate_rate_per_minute(self, value):
        cap = self.context["user"].get_plan().api_rate_per_minute
        if value is not None and value > cap:
            raise serializers.ValidationError(f"Your plan allows at most {cap} requests a "
                                              "minute.")
        return value


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()


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
