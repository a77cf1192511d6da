from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from apps.accounts import services
from apps.accounts.api.serializers import (
    ApiKeyCreatedSerializer,
    ApiKeyCreateSerializer,
    ApiKeySerializer,
    CredentialCreateSerializer,
    CredentialSerializer,
    DetailSerializer,
    LogoutSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    PreferencesSerializer,
    RegisterSerializer,
    UserSerializer,
    VerifyEmailSerializer,
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
        """Create an account; a link that verifies the address is e-mailed to it."""
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = User.objects.create_user(serializer.validated_data["email"],
                                        serializer.validated_data["password"])
        services.email_verification_request(user=user)
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
        """Change my profile (`name`) and preferences (`email_notifications`)."""
        body = PreferencesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.user_update(user=request.user, **body.validated_data)
        return Response(UserSerializer(request.user).data)


class PasswordResetView(APIView):
    """E-mail a password reset link. Always 202, whether or not the address has an
    account (the answer must not tell); the e-mail links to the web page and also
    gives the `uid` and `token` for `POST /auth/password/reset/confirm`."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(request=PasswordResetSerializer,
                   responses={202: DetailSerializer, **ERRORS(400)})
    def post(self, request):
        body = PasswordResetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.password_reset_request(email=body.validated_data["email"])
        return Response({"detail": "If that address has an account, we have sent it a link "
                                   "to reset the password."}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(APIView):
    """Set a new password with the `uid` and `token` of a reset e-mail. Every session
    and refresh token of the account ends. 400 with a `token` field error for a bad,
    expired or used token, a `new_password` one for a password the validators refuse."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(request=PasswordResetConfirmSerializer, responses={204: None, **ERRORS(400)})
    def post(self, request):
        body = PasswordResetConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.user_set_password(user=body.validated_data["user"],
                                   password=body.validated_data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    """Change my password. Every other session and all my refresh tokens end (a
    session that made this call stays logged in); access tokens already issued live
    out their short lifetime. Wrong old passwords count as failed logins (429 past
    SITELENS_FAILED_LOGINS_PER_MINUTE)."""

    @extend_schema(request=PasswordChangeSerializer,
                   responses={204: None, **ERRORS(400, 401)})
    def post(self, request):
        failures = FailedLogins(request, request.user.email)
        failures.check()
        body = PasswordChangeSerializer(data=request.data, context={"user": request.user})
        if not body.is_valid():
            if "old_password" in body.errors:
                failures.failed()
            raise serializers.ValidationError(body.errors)
        services.user_set_password(user=request.user,
                                   password=body.validated_data["new_password"])
        if isinstance(request.successful_authenticator, SessionAuthentication):
            update_session_auth_hash(request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VerifyEmailView(APIView):
    """Verify my address with the token of the verification e-mail (the last part of
    its link). 400 `invalid_token` for a bad, expired or used token."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(request=VerifyEmailSerializer, responses={200: DetailSerializer,
                                                             **ERRORS(400)})
    def post(self, request):
        body = VerifyEmailSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.email_verify(token=body.validated_data["token"])
        return Response({"detail": "The e-mail address is verified."})


class VerifyEmailResendView(APIView):
    """E-mail me a new verification link (nothing is sent when my address is already
    verified, or after several links in an hour)."""

    @extend_schema(request=None, responses={202: DetailSerializer, **ERRORS(401)})
    def post(self, request):
        if request.user.email_verified:
            detail = "Your e-mail address is already verified."
        elif services.email_verification_request(user=request.user):
            detail = f"We have sent a new link to {request.user.email}."
        else:
            detail = "We have sent several links in the last hour: use one of those."
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


class ApiKeyViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, OwnedViewSet):
    """API keys of the current user. The key itself is returned once, on creation."""

    queryset = ApiKey.objects.all()
    serializer_class = ApiKeySerializer
    pagination_class = None

    @extend_schema(request=ApiKeyCreateSerializer,
                   responses={201: ApiKeyCreatedSerializer, **ERRORS(400, 401)})
    def create(self, request):
        serializer = ApiKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, raw = services.api_key_create(user=request.user, **serializer.validated_data)
        data = ApiKeyCreatedSerializer(key).data
        data["key"] = raw
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **ERRORS(401, 404)})
    def destroy(self, request, *args, **kwargs):
        """Revoke the key (kept for the record, unusable from now on)."""
        services.api_key_revoke(key=self.get_object())
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
