from __future__ import annotations

import base64
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from apps.accounts import crypto
from apps.core.models import OwnedQuerySet

DEFAULT_PLAN_NAME = "free"


def normalize_email_address(email: str | None) -> str:
    """The one normalisation of an e-mail address: trimmed and lower-cased.

    Every way in (web sign-up, API registration, login, JWT, admin) stores and looks
    up this form, so ``Alice@X.com`` and ``alice@x.com`` are one account.
    """
    return (email or "").strip().lower()


class Plan(models.Model):
    """Limits a user's analyses. Every user has one; `Plan.default()` is the fallback.

    The default plan is seeded from SITELENS_DEFAULT_PLAN_* (see settings): generous
    on a self-hosted install, where the operator is the only customer.
    """

    name = models.CharField(max_length=50, unique=True)
    analyses_per_month = models.PositiveIntegerField(default=100)
    max_pages_per_analysis = models.PositiveIntegerField(default=500)
    max_concurrent_analyses = models.PositiveIntegerField(default=3)
    api_rate_per_minute = models.PositiveIntegerField(default=120)
    # How long an export's file is kept (and its download link can be signed for).
    export_retention_days = models.PositiveIntegerField(default=7)
    webhook_endpoints = models.PositiveIntegerField(default=10)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def default(cls) -> Plan:
        plan, _ = cls.objects.get_or_create(name=DEFAULT_PLAN_NAME,
                                            defaults=settings.SITELENS_DEFAULT_PLAN)
        return plan


class MonthlyUsage(models.Model):
    """What a user consumed in one calendar month (UTC), counted as it happens: deleting
    an analysis does not give its quota back."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="usage")
    month = models.DateField()  # the first day of the month
    analyses = models.PositiveIntegerField(default=0)
    exports = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "month"],
                                               name="one_usage_row_per_user_month")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.month:%Y-%m}: {self.analyses} analyses"


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        return normalize_email_address(email)

    def get_by_natural_key(self, username: str) -> User:
        """Log-in lookup (sessions, JWT): by the normalised address."""
        return self.get(email=normalize_email_address(username))

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=normalize_email_address(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person or script that owns analyses. Logs in with an e-mail address."""

    email = models.EmailField(unique=True)
    # What the pages and e-mails call the person; optional (the address stands in).
    name = models.CharField(max_length=150, blank=True)
    # When the owner proved they read this address (the link in the verification
    # e-mail); None: not yet. Nothing is refused while unverified: pages show a banner.
    email_verified_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.PROTECT)
    # E-mail when an analysis completes or fails (in-app notifications are always made).
    email_notifications = models.BooleanField(default=True)

    objects = UserManager()
    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            # Holds even for rows written around save() (bulk updates, raw SQL).
            models.UniqueConstraint(Lower("email"), name="unique_user_email_ci"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email_address(self.email)

    def save(self, *args, **kwargs) -> None:
        self.email = normalize_email_address(self.email)
        super().save(*args, **kwargs)

    def get_plan(self) -> Plan:
        return self.plan or Plan.default()

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def mark_email_verified(self) -> bool:
        """Record that the address is verified; False when it already was (a second
        click on the link changes nothing)."""
        if self.email_verified_at is not None:
            return False
        self.email_verified_at = timezone.now()
        self.save(update_fields=["email_verified_at"])
        return True


class ApiKeyQuerySet(OwnedQuerySet):
    owner_field = "user"


class ApiKey(models.Model):
    """A long-lived credential for scripts. Only its SHA-256 is stored."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Requests per minute this key may make (within its owner's plan rate); None: the plan's.
    rate_per_minute = models.PositiveIntegerField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw_key: str) -> str:
        # Keys are 256-bit random, so a fast unsalted hash is enough (no brute force).
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @classmethod
    def generate(cls, *, user: User, name: str, rate_per_minute: int | None = None
                 ) -> tuple[ApiKey, str]:
        raw = "sl_" + secrets.token_urlsafe(32)
        key = cls.objects.create(
            user=user, name=name, prefix=raw[: cls.PREFIX_LENGTH], key_hash=cls.hash(raw),
            rate_per_minute=rate_per_minute,
        )
        return key, raw

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


def credential_headers(kind: str, secret: dict[str, str]) -> dict[str, str]:
    """The request headers of a credential of `kind` with `secret` (as validated by
    `apps.accounts.credentials.CredentialSecretSerializer`)."""
    if kind == Credential.Kind.BASIC:
        token = base64.b64encode(f"{secret['username']}:{secret['password']}".encode()).decode()
        return {"Authorization": f"Basic {token}"}
    if kind == Credential.Kind.COOKIE:
        return {"Cookie": secret["cookie"]}
    return {secret["header"]: secret["value"]}


class CredentialQuerySet(OwnedQuerySet):
    def listed(self) -> CredentialQuerySet:
        """Saved credentials (inline ones belong to the analysis that brought them)."""
        return self.filter(inline=False)


class Credential(models.Model):
    """What to send to one origin so a site behind a login can be crawled.

    The secret (password, header value, cookie) is encrypted at rest with the
    deployment's credential key (`apps.accounts.crypto`) and leaves this model only
    as request headers for its own origin: no serializer, event, log line or admin
    page shows it. `inline` ones were given in an analysis request (`auth`) and are
    deleted with that analysis.
    """

    class Kind(models.TextChoices):
        BASIC = "basic"  # HTTP basic auth: username + password
        HEADER = "header"  # one request header, e.g. Authorization: Bearer ...
        COOKIE = "cookie"  # a Cookie header value

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="credentials")
    name = models.CharField(max_length=100)
    origin = models.CharField(max_length=300)  # scheme://host[:port], normalised
    kind = models.CharField(max_length=10, choices=Kind.choices)
    secret = models.TextField(editable=False)  # Fernet token of the JSON secret
    inline = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = CredentialQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind} for {self.origin})"

    def __repr__(self) -> str:
        return f"<Credential {self.pk}: {self.kind} for {self.origin}>"

    def set_secret(self, data: dict[str, str]) -> None:
        self.secret = crypto.encrypt(data)

    def request_headers(self) -> dict[str, str]:
        """The headers that carry this credential (for its origin only)."""
        return credential_headers(self.kind, crypto.decrypt(self.secret))

    def mark_used(self) -> None:
        Credential.objects.filter(pk=self.pk).update(last_used_at=timezone.now())
