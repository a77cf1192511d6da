from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from apps.accounts.api.serializers import (
    ApiKeyCreatedSerializer,
    ApiKeyCreateSerializer,
    ApiKeySerializer,
    CredentialCreateSerializer,
    CredentialSerializer,
    LogoutSerializer,
    PreferencesSerializer,
    RegisterSerializer,
    UserSerializer,
)
from apps.accounts.models import ApiKey, Credential, User
from apps.accounts.throttles import FailedLogins
from apps.core.api.schema import ERRORS
from apps.core.api.views import OwnedViewSet


class RegisterView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer, **ERRORS(400)})
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = User.objects.create_user(serializer.validated_data["email"],
                                        serializer.validated_data["password"])
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


@extend_schema(responses={200: OpenApiResponse(description="access and refresh tokens"),
                          **ERRORS(400, 401, 429)})
class TokenView(TokenObtainPairView):
    """Log in with e-mail and password. After SITELENS_FAILED_LOGINS_PER_MINUTE failures
    a minute from one address, or for one account, it answers 429 with Retry-After."""

    def post(self, request, *args, **kwargs):
        email = request.data.get("email", "") if isinstance(request.data, dict) else ""
        failures = FailedLogins(request, str(email))
        failures.check()
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            failures.failed()
            raise


@extend_schema(responses={200: OpenApiResponse(description="new access and refresh tokens"),
                          **ERRORS(400, 401)})
class TokenRefreshRotateView(TokenRefreshView):
    pass


class LogoutView(APIView):
    """Blacklist a refresh token so it can no longer be used."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(request=LogoutSerializer, responses={204: None, **ERRORS(400, 401)})
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            RefreshToken(serializer.validated_data["refresh"]).blacklist()
        except TokenError as exc:
            raise serializers.ValidationError({"refresh": [str(exc)]}) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses={200: UserSerializer, **ERRORS(401)})
    def get(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(request=PreferencesSerializer, responses={200: UserSerializer,
                                                             **ERRORS(400, 401)})
    def patch(self, request):
        """Change my preferences (`email_notifications`)."""
        body = PreferencesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        for name, value in body.validated_data.items():
            setattr(request.user, name, value)
        if body.validated_data:
            request.user.save(update_fields=list(body.validated_data))
        return Response(UserSerializer(request.user).data)


class ApiKeyViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, OwnedViewSet):
    """API keys of the current user. The key itself is returned once, on creation."""

    queryset = ApiKey.objects.all()
    serializer_class = ApiKeySerializer
    pagination_class = None

    @extend_schema(request=ApiKeyCreateSerializer,
                   responses={201: ApiKeyCreatedSerializer, **ERRORS(400, 401)})
    def create(self, request):
        serializer = ApiKeyCreateSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        key, raw = ApiKey.generate(user=request.user, **serializer.validated_data)
        data = ApiKeyCreatedSerializer(key).data
        data["key"] = raw
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **ERRORS(401, 404)})
    def destroy(self, request, *args, **kwargs):
        """Revoke the key (kept for the record, unusable from now on)."""
        self.get_object().revoke()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: ApiKeySerializer(many=True), **ERRORS(401)})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class CredentialViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.DestroyModelMixin, OwnedViewSet):
    """Credentials for sites behind a login, each for one origin.

    The secret is accepted once and never shown again: stored encrypted, sent only to
    that origin (never across a redirect to another), absent from every response,
    event, log line and admin page. Use one with `"credential": <id>` in an analysis.
    """

    queryset = Credential.objects.listed()
    serializer_class = CredentialSerializer

    @extend_schema(request=CredentialCreateSerializer,
                   responses={201: CredentialSerializer, **ERRORS(400, 401)})
    def create(self, request):
        serializer = CredentialCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        credential = Credential(owner=request.user, name=data["name"], origin=data["origin"],
                                kind=data["kind"])
        credential.set_secret(data["secret"])
        credential.save()
        return Response(CredentialSerializer(credential).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: CredentialSerializer(many=True), **ERRORS(401)})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: CredentialSerializer, **ERRORS(401, 404)})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(responses={204: None, **ERRORS(401, 404)})
    def destroy(self, request, *args, **kwargs):
        """Delete it; analyses that used it keep their results."""
        return super().destroy(request, *args, **kwargs)
