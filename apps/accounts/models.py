from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class Plan(models.Model):
    """Limits a user's analyses. Every user has one; `Plan.default()` is the fallback."""

    name = models.CharField(max_length=50, unique=True)
    analyses_per_month = models.PositiveIntegerField(default=100)
    max_pages_per_analysis = models.PositiveIntegerField(default=500)
    max_concurrent_analyses = models.PositiveIntegerField(default=3)
    api_rate_per_minute = models.PositiveIntegerField(default=120)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def default(cls) -> Plan:
        plan, _ = cls.objects.get_or_create(name="free")
        return plan


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
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
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.PROTECT)

    objects = UserManager()
    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.email

    def get_plan(self) -> Plan:
        return self.plan or Plan.default()


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

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw_key: str) -> str:
        # Keys are 256-bit random, so a fast unsalted hash is enough (no brute force).
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @classmethod
    def generate(cls, *, user: User, name: str) -> tuple[ApiKey, str]:
        raw = "sl_" + secrets.token_urlsafe(32)
        key = cls.objects.create(
            user=user, name=name, prefix=raw[: cls.PREFIX_LENGTH], key_hash=cls.hash(raw)
        )
        return key, raw

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
