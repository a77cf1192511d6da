from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from rest_framework import serializers

from apps.jobs.crawler.types import CrawlOptions
from apps.jobs.crawler.urls import normalize_url
from apps.jobs.models import Job, JobEvent, Kind, Page

_DEFAULTS = CrawlOptions()
MAX_URL_LENGTH = 2083


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo is an error rather than ignored."""

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields)) if isinstance(
            self.initial_data, dict) else []
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return attrs

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": ["Expected a JSON object."]}, code="invalid")
        return super().to_internal_value(data)


def validate_target_url(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_URL_LENGTH:
        raise serializers.ValidationError(f"URL is longer than {MAX_URL_LENGTH} characters.")
    scheme = urlsplit(value).scheme.lower() if "://" in value else ""
    if scheme not in ("http", "https"):
        if not scheme and not re.match(r"^[a-z][a-z0-9+.-]*:", value, re.I):
            raise serializers.ValidationError("URL must start with http:// or https://.")
        if scheme or re.match(r"^[a-z][a-z0-9+.-]*:", value, re.I):
            raise serializers.ValidationError("Only http and https URLs can be analysed.")
    parts = urlsplit(value)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise serializers.ValidationError("URLs with credentials (user@host) are not accepted.")
    normalised = normalize_url(value)
    if normalised is None:
        raise serializers.ValidationError("Enter a valid http(s) URL with a host name.")
    return normalised


def _validate_patterns(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise serializers.ValidationError(
                f"{pattern!r} is not a valid regular expression: {exc}") from None
    return patterns


class AnalysisCreateSerializer(StrictSerializer):
    """Input of POST /analyses. Defaults come from the crawler's CrawlOptions."""

    url = serializers.CharField(max_length=MAX_URL_LENGTH + 1, validators=[validate_target_url])
    kind = serializers.ChoiceField(choices=[Kind.AUDIT], default=Kind.AUDIT,
                                   help_text="Only `audit` is available yet.")
    max_pages = serializers.IntegerField(min_value=1, max_value=settings.SITELENS_MAX_PAGES_CAP,
                                         default=_DEFAULTS.max_pages)
    max_depth = serializers.IntegerField(min_value=0, max_value=settings.SITELENS_MAX_DEPTH_CAP,
                                         default=_DEFAULTS.max_depth)
    include = serializers.ListField(child=serializers.CharField(max_length=500), max_length=50,
                                    default=list, validators=[_validate_patterns])
    exclude = serializers.ListField(child=serializers.CharField(max_length=500), max_length=50,
                                    default=list, validators=[_validate_patterns])
    respect_robots = serializers.BooleanField(default=_DEFAULTS.respect_robots)
    use_sitemap = serializers.BooleanField(default=_DEFAULTS.use_sitemap)
    user_agent = serializers.CharField(max_length=200, required=False)
    concurrency = serializers.IntegerField(min_value=1, max_value=8, default=_DEFAULTS.concurrency)
    delay_ms = serializers.IntegerField(min_value=0, max_value=10_000, default=_DEFAULTS.delay_ms)

    def validate_url(self, value: str) -> str:
        return validate_target_url(value)

    def to_options(self) -> dict:
        data = dict(self.validated_data)
        data.pop("url")
        data.pop("kind")
        return data


class AnalysisSerializer(serializers.ModelSerializer):
    findings = serializers.SerializerMethodField(help_text="Finding counts by severity.")
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)
    error = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id", "kind", "url", "status", "stage", "options", "pages_done", "pages_total",
            "findings", "attempt", "created_at", "started_at", "finished_at",
            "duration_seconds", "error",
        ]
        read_only_fields = fields

    def get_findings(self, job: Job) -> dict[str, int]:
        counts = getattr(job, "finding_counts", None)
        if counts is None:
            from apps.analyses.selectors import finding_counts

            counts = finding_counts(job)
        return counts

    def get_error(self, job: Job) -> dict | None:
        if not job.error_code:
            return None
        return {"code": job.error_code, "message": job.error}


class PageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Page
        fields = [
            "id", "url", "final_url", "depth", "status_code", "content_type", "redirect_chain",
            "size_bytes", "fetch_ms", "encoding", "title", "error", "source", "fetched_at",
        ]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = JobEvent
        fields = ["id", "type", "data", "created_at"]
        read_only_fields = fields
