"""Validation of site credentials (saved ones and those given inline with an analysis).

One definition of what a credential may be: HTTP basic auth, one request header,
or a cookie. The headers the HTTP client itself owns (Host, Content-Length,
Connection, ...) cannot be set through a credential, and no value may carry a line
break (header injection).
"""

from __future__ import annotations

import re

from rest_framework import serializers

from apps.core.api.serializers import StrictSerializer

KINDS = ("basic", "header", "cookie")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_RESERVED_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection",
                               "te", "upgrade", "accept-encoding", "proxy-authorization",
                               "keep-alive", "expect"})
_NEEDED = {"basic": ("username", "password"), "header": ("header", "value"),
           "cookie": ("cookie",)}


def no_newlines(value: str) -> str:
    if "\r" in value or "\n" in value or "\x00" in value:
        raise serializers.ValidationError("Line breaks are not allowed here.")
    return value


class CredentialSecretSerializer(StrictSerializer):
    """`kind` plus its secret fields; validates to {"kind": ..., "secret": {...}}."""

    kind = serializers.ChoiceField(choices=KINDS)
    username = serializers.CharField(max_length=200, required=False, validators=[no_newlines])
    password = serializers.CharField(max_length=500, required=False, trim_whitespace=False,
                                     validators=[no_newlines], write_only=True,
                                     style={"input_type": "password"})
    header = serializers.CharField(max_length=100, required=False,
                                   help_text="Header name, for kind `header`.")
    value = serializers.CharField(max_length=4000, required=False, trim_whitespace=False,
                                  validators=[no_newlines], write_only=True,
                                  help_text="Header value, for kind `header`.")
    cookie = serializers.CharField(max_length=4000, required=False, validators=[no_newlines],
                                   write_only=True, help_text="Cookie header value.")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        kind = attrs["kind"]
        missing = [name for name in _NEEDED[kind] if not attrs.get(name)]
        if missing:
            raise serializers.ValidationError({name: [f"Required for kind {kind!r}."]
                                               for name in missing})
        extra = [name for name in ("username", "password", "header", "value", "cookie")
                 if name in attrs and name not in _NEEDED[kind]]
        if extra:
            raise serializers.ValidationError({name: [f"Not used by kind {kind!r}."]
                                               for name in extra})
        if kind == "basic" and ":" in attrs["username"]:
            raise serializers.ValidationError(
                {"username": ["A basic-auth user name cannot contain a colon."]})
        if kind == "header":
            header = attrs["header"].strip()
            if not _HEADER_NAME.match(header) or header.lower() in _RESERVED_HEADERS:
                raise serializers.ValidationError(
                    {"header": [f"{header!r} cannot be used as a credential header."]})
            attrs["header"] = header
        return {**{k: v for k, v in attrs.items() if k not in _ALL_SECRET_FIELDS},
                "kind": kind, "secret": {name: attrs[name] for name in _NEEDED[kind]}}


_ALL_SECRET_FIELDS = frozenset(name for names in _NEEDED.values() for name in names)
