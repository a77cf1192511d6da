"""Authentication of the live streams (WebSocket, SSE): session cookie, JWT or API key;
and, for WebSockets, the Origin rule.

Browsers always send Origin, so a foreign Origin is refused (cross-site WebSocket
hijacking). Scripts send no Origin; they may authenticate with a token in the
`Authorization` header (`Bearer <jwt>` or `Api-Key <key>`) or `?token=<jwt>`, but
never with a cookie, because without Origin a cookie proves nothing.

A failure to *check* a credential (the database is down) is not "anonymous": the
scope is marked `auth_error` and the consumers close with 1011 so the client
retries, instead of being told its valid token is wrong.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import AllowedHostsOriginValidator
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from apps.accounts.authentication import user_for_api_key

logger = logging.getLogger(__name__)


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


@database_sync_to_async
def _user_from_token(kind: str, credential: str):
    if kind == "Api-Key":
        found = user_for_api_key(credential)
        return found[0] if found else None
    auth = JWTAuthentication()
    try:
        token = auth.get_validated_token(credential)
        return auth.get_user(token)
    except (InvalidToken, TokenError, AuthenticationFailed):
        return None


class TokenAuthMiddleware(BaseMiddleware):
    """A token in the Authorization header or `?token=` decides the user. Without one,
    the session cookie does, unless `cookies_need_origin` and the client sent no
    Origin (the WebSocket rule above; plain HTTP reads are guarded by the browser's
    same-origin policy instead, and EventSource sends no Origin on same-origin GETs)."""

    def __init__(self, inner, *, cookies_need_origin: bool = True):
        super().__init__(inner)
        self.cookies_need_origin = cookies_need_origin

    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        credential = None
        header = _header(scope, b"authorization")
        if header and len(header.split()) == 2:
            kind, value = header.split()
            if kind in ("Bearer", "Api-Key"):
                credential = (kind, value)
        if credential is None:
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            if query.get("token"):
                credential = ("Bearer", query["token"][0])
        if credential is not None:
            try:
                scope["user"] = await _user_from_token(*credential) or AnonymousUser()
            except DatabaseError:
                logger.exception("stream authentication could not reach the database")
                scope["user"], scope["auth_error"] = AnonymousUser(), True
        elif self.cookies_need_origin and _header(scope, b"origin") is None:
            scope["user"] = AnonymousUser()
        return await super().__call__(scope, receive, send)


class _CookieUserIfNoToken(AuthMiddleware):
    """Channels' session auth, skipped when a token already decided the user."""

    async def __call__(self, scope, receive, send):
        if "user" in scope:
            return await self.inner(scope, receive, send)
        return await super().__call__(scope, receive, send)

    async def resolve_scope(self, scope):
        try:
            await super().resolve_scope(scope)
        except DatabaseError:
            logger.exception("stream session authentication could not reach the database")
            scope["user"]._wrapped = AnonymousUser()
            scope["auth_error"] = True


class OriginValidator:
    """Refuse a foreign Origin; let Origin-less (non-browser) clients through."""

    def __init__(self, inner):
        self.inner = inner
        self.browser_check = AllowedHostsOriginValidator(inner)

    async def __call__(self, scope, receive, send):
        if _header(scope, b"origin") is None:
            return await self.inner(scope, receive, send)
        return await self.browser_check(scope, receive, send)


def WebSocketAuthMiddleware(inner):
    return OriginValidator(
        TokenAuthMiddleware(CookieMiddleware(SessionMiddleware(_CookieUserIfNoToken(inner))))
    )


def HttpStreamAuthMiddleware(inner):
    """For the Server-Sent Events stream (`apps.jobs.sse`): token or session cookie."""
    return TokenAuthMiddleware(
        CookieMiddleware(SessionMiddleware(_CookieUserIfNoToken(inner))),
        cookies_need_origin=False,
    )
