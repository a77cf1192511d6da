"""What an analysis can be asked to do: its kinds, its typed options, and the one
validation of an analysis request that the API, the HTML form and `manage.py
analyze` all use.

`AnalysisOptions` is what the services and the pipeline take (never a dict). It is
stored on the job as JSON (`to_json`) and read back strictly (`from_json`): an
unknown key is an error there, a key an older version did not write takes its
default. Plan limits (max pages, concurrency) are checked where the analysis is
admitted (`apps.analyses.services`), not here.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from rest_framework import serializers

from apps.accounts.credentials import CredentialSecretSerializer, no_newlines
from apps.analyses import outputs
from apps.analyses.personas import terms
from apps.analyses.personas.group import MAX_MEMBERS
from apps.analyses.personas.thresholds import DEVICES, EXPERIENCE_LEVELS, NEEDS, NETWORKS
from apps.core.api.serializers import StrictSerializer
from apps.web.types import CrawlOptions
from apps.web.urls import MAX_URL_LENGTH, normalize_url

_CRAWL_DEFAULTS = CrawlOptions()
MAX_WAIT_SECONDS = 30
MAX_PAGES_WHEN_WAITING = 10


class Kind(StrEnum):
    AUDIT = "audit"
    SINGLE = "single"  # the audit, then a review as one persona
    FOCUS_GROUP = "focus_group"  # the audit, then a review by variations of a persona


PERSONA_KINDS = (Kind.SINGLE, Kind.FOCUS_GROUP)
AVAILABLE_KINDS = (Kind.AUDIT, Kind.SINGLE, Kind.FOCUS_GROUP)
DEFAULT_VARIATIONS = 5
AVAILABLE_KIND_VALUES = [kind.value for kind in AVAILABLE_KINDS]


class InvalidOptions(ValueError):
    """Stored options that this version cannot read (an unknown key, a wrong type)."""


@dataclass(frozen=True)
class AnalysisOptions:
    """Everything that decides what an analysis crawls and checks."""

    max_pages: int = _CRAWL_DEFAULTS.max_pages
    max_depth: int = _CRAWL_DEFAULTS.max_depth
    include: tuple[str, ...] = ()  # regexes; when given a URL must match one
    exclude: tuple[str, ...] = ()  # regexes; a URL matching one is skipped
    respect_robots: bool = _CRAWL_DEFAULTS.respect_robots
    use_sitemap: bool = _CRAWL_DEFAULTS.use_sitemap
    user_agent: str | None = None  # None: Sitelens's own
    concurrency: int = _CRAWL_DEFAULTS.concurrency
    delay_ms: int = _CRAWL_DEFAULTS.delay_ms
    persona: dict | None = None  # PersonaSerializer's shape, for the persona kinds
    num_variations: int | None = None  # focus groups: members, the template included
    exports: tuple[str, ...] = ()  # output formats built when the analysis succeeds
    webhook_url: str | None = None  # a one-off receiver of this analysis's webhook events

    def crawl_options(self) -> CrawlOptions:
        kwargs: dict[str, Any] = {
            "max_pages": self.max_pages, "max_depth": self.max_depth,
            "include": list(self.include), "exclude": list(self.exclude),
            "respect_robots": self.respect_robots, "use_sitemap": self.use_sitemap,
            "concurrency": self.concurrency, "delay_ms": self.delay_ms,
        }
        if self.user_agent:
            kwargs["user_agent"] = self.user_agent
        return CrawlOptions(**kwargs)

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["include"], data["exclude"] = list(self.include), list(self.exclude)
        data["exports"] = list(self.exports)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AnalysisOptions:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidOptions(f"unknown option(s): {', '.join(unknown)}")
        values = dict(data)
        try:
            for name in ("include", "exclude", "exports"):
                if name in values:
                    values[name] = tuple(values[name] or ())
            return cls(**values)
        except TypeError as exc:
            raise InvalidOptions(str(exc)) from exc


# --------------------------------------------------------------------------- validation


_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


def validate_target_url(value: str) -> str:
    """An http(s) URL with a host and no credentials, normalised; syntax only."""
    value = value.strip()
    if len(value) > MAX_URL_LENGTH:
        raise serializers.ValidationError(f"URL is longer than {MAX_URL_LENGTH} characters.")
    scheme = urlsplit(value).scheme.lower() if "://" in value else ""
    if scheme not in ("http", "https"):
        if scheme or _SCHEME.match(value):
            raise serializers.ValidationError("Only http and https URLs can be analysed.")
        raise serializers.ValidationError("URL must start with http:// or https://.")
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


class PersonaDetailsSerializer(StrictSerializer):
    device = serializers.ChoiceField(choices=list(DEVICES), default="desktop")
    connection = serializers.ChoiceField(
        choices=list(NETWORKS), required=False,
        help_text="A Lighthouse throttling preset; default slow-4g on mobile and tablet, "
                  "broadband on desktop.")
    accessibility_needs = serializers.ListField(
        child=serializers.ChoiceField(choices=list(NEEDS)), max_length=len(NEEDS), default=list)
    language = serializers.RegexField(r"^[a-zA-Z]{2,3}$", required=False,
                                      help_text="The reader's language (ISO 639-1).")
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True)

    def validate_accessibility_needs(self, value):
        return sorted(set(value))

    def validate_language(self, value):
        return value.lower()


class PersonaSerializer(StrictSerializer):
    """Who reviews the site: a role, an experience level, a goal, a context, and
    additional details (device, connection, accessibility needs, language)."""

    role = serializers.CharField(max_length=100, validators=[no_newlines])
    experience_level = serializers.ChoiceField(choices=list(EXPERIENCE_LEVELS))
    primary_goal = serializers.CharField(max_length=300, validators=[no_newlines])
    context = serializers.CharField(max_length=1000, required=False, allow_blank=True,
                                    default="")
    additional_details = PersonaDetailsSerializer(required=False)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not terms.goal_groups(attrs["primary_goal"]):
            raise serializers.ValidationError({"primary_goal": [
                "Say what the persona wants to do in a few words (e.g. “compare prices”)."]})
        if "additional_details" not in attrs:
            attrs["additional_details"] = PersonaDetailsSerializer().run_validation({})
        return attrs


class AnalysisRequestSerializer(StrictSerializer):
    """An analysis request (POST /analyses, /validate, /estimate; the form; the CLI).

    Defaults come from the crawler's CrawlOptions.
    """

    url = serializers.CharField(max_length=MAX_URL_LENGTH + 1)
    kind = serializers.ChoiceField(
        choices=AVAILABLE_KIND_VALUES, default=Kind.AUDIT.value,
        help_text="`audit`; `single`: the audit reviewed as `persona`; `focus_group`: "
                  "reviewed by `num_variations` variations of `persona`.")
    persona = PersonaSerializer(required=False,
                                help_text="Required for `single` and `focus_group`.")
    exports = serializers.ListField(
        child=serializers.CharField(max_length=20), max_length=10, default=list,
        help_text="Formats to build when the analysis succeeds (see POST "
                  "/analyses/{id}/exports), e.g. [\"json\", \"sarif\"].")
    webhook_url = serializers.CharField(
        max_length=MAX_URL_LENGTH + 1, required=False,
        help_text="Also POST this analysis's webhook events here (signed with your one-off "
                  "secret: POST /webhooks/one-off-secret).")
    num_variations = serializers.IntegerField(
        min_value=1, max_value=MAX_MEMBERS, required=False,
        help_text=f"Focus-group members, the template included (default {DEFAULT_VARIATIONS}).")
    max_pages = serializers.IntegerField(min_value=1, max_value=settings.SITELENS_MAX_PAGES_CAP,
                                         required=False)
    max_depth = serializers.IntegerField(min_value=0, max_value=settings.SITELENS_MAX_DEPTH_CAP,
                                         default=_CRAWL_DEFAULTS.max_depth)
    include = serializers.ListField(child=serializers.CharField(max_length=500), max_length=50,
                                    default=list, validators=[_validate_patterns])
    exclude = serializers.ListField(child=serializers.CharField(max_length=500), max_length=50,
                                    default=list, validators=[_validate_patterns])
    respect_robots = serializers.BooleanField(default=_CRAWL_DEFAULTS.respect_robots)
    use_sitemap = serializers.BooleanField(default=_CRAWL_DEFAULTS.use_sitemap)
    user_agent = serializers.CharField(max_length=200, required=False, validators=[no_newlines])
    concurrency = serializers.IntegerField(min_value=1, max_value=8, default=_CRAWL_DEFAULTS.concurrency)
    delay_ms = serializers.IntegerField(min_value=0, max_value=10_000, default=_CRAWL_DEFAULTS.delay_ms)
    credential = serializers.IntegerField(
        min_value=1, required=False,
        help_text="Id of a saved credential (POST /credentials) for the site's origin.")
    auth = CredentialSecretSerializer(
        required=False, help_text="Credentials for this analysis only, for the URL's origin "
                                  "(stored encrypted, deleted with the analysis).")
    wait = serializers.IntegerField(
        min_value=0, max_value=MAX_WAIT_SECONDS, required=False,
        help_text=f"Wait up to N seconds (≤ {MAX_WAIT_SECONDS}) for a small analysis "
                  f"(max_pages ≤ {MAX_PAGES_WHEN_WAITING}) to finish: 201 with the result, or "
                  "202 with the running analysis if it takes longer.")

    def validate_url(self, value: str) -> str:
        return validate_target_url(value)

    def validate_webhook_url(self, value: str) -> str:
        return validate_target_url(value)

    def validate_exports(self, value: list[str]) -> list[str]:
        known = outputs.names()
        unknown = [name for name in value if name not in known]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown format(s): {', '.join(unknown)}. Known: {', '.join(known)}.")
        return list(dict.fromkeys(value))

    def validate(self, attrs):
        attrs = super().validate(attrs)
        kind = attrs.get("kind", Kind.AUDIT.value)
        if kind in PERSONA_KINDS and "persona" not in attrs:
            raise serializers.ValidationError({"persona": [f"A {kind} analysis needs a persona."]})
        if kind == Kind.AUDIT and "persona" in attrs:
            raise serializers.ValidationError({"persona": [
                "An audit takes no persona: use kind single or focus_group."]})
        if kind != Kind.FOCUS_GROUP and "num_variations" in attrs:
            raise serializers.ValidationError({"num_variations": [
                "Only a focus_group has variations."]})
        if kind == Kind.FOCUS_GROUP:
            attrs.setdefault("num_variations", DEFAULT_VARIATIONS)
        if "credential" in attrs and "auth" in attrs:
            raise serializers.ValidationError({"auth": ["Give a saved credential or inline "
                                                        "auth, not both."]})
        if attrs.get("wait"):
            pages = attrs.setdefault("max_pages", MAX_PAGES_WHEN_WAITING)
            if pages > MAX_PAGES_WHEN_WAITING:
                raise serializers.ValidationError({"max_pages": [
                    f"With wait, max_pages may be at most {MAX_PAGES_WHEN_WAITING}."]})
        attrs.setdefault("max_pages", _CRAWL_DEFAULTS.max_pages)
        return attrs

    def to_request(self) -> AnalysisRequest:
        data = self.validated_data
        options = AnalysisOptions(
            max_pages=data["max_pages"], max_depth=data["max_depth"],
            include=tuple(data["include"]), exclude=tuple(data["exclude"]),
            respect_robots=data["respect_robots"], use_sitemap=data["use_sitemap"],
            user_agent=data.get("user_agent"), concurrency=data["concurrency"],
            delay_ms=data["delay_ms"], persona=_plain(data.get("persona")),
            num_variations=data.get("num_variations"), exports=tuple(data["exports"]),
            webhook_url=data.get("webhook_url"),
        )
        return AnalysisRequest(url=data["url"], kind=Kind(data["kind"]), options=options,
                               credential_id=data.get("credential"), auth=data.get("auth"),
                               wait=data.get("wait") or 0)


@dataclass(frozen=True)
class AnalysisRequest:
    """A validated request: what to analyse, how, and with which credential."""

    url: str
    kind: Kind = Kind.AUDIT
    options: AnalysisOptions = field(default_factory=AnalysisOptions)
    credential_id: int | None = None
    auth: dict | None = field(default=None, repr=False)  # {"kind", "secret": {...}}
    wait: int = 0


def _plain(value):
    """Validated serializer data as plain dicts and lists (JSON for the job's options)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def validation_errors_text(errors: dict) -> str:
    """Serializer errors as one line (the CLI's message)."""
    parts = []
    for name, messages in errors.items():
        if isinstance(messages, dict):
            messages = [validation_errors_text(messages)]
        parts.append(f"{name}: {' '.join(map(str, messages))}")
    return "; ".join(parts)
