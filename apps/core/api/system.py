"""/api/v1/system/: ping, health, ready, version, stats (staff); /healthz and /readyz for
orchestrators. None of them is throttled or needs a login, except stats."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import system
from apps.core.api.errors import error_body
from apps.core.api.schema import ERRORS


class _Open(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []


class PingView(_Open):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        """The process answers (nothing else is checked): liveness."""
        return Response({"status": "ok"})


class HealthView(_Open):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        """The process and each dependency (database, cache, broker, workers), each with
        its latency; `status` is `ok` or `degraded`. Always 200: /ready decides."""
        checks = system.checks()
        healthy = all(check["ok"] for check in checks.values())
        return Response({"status": "ok" if healthy else "degraded",
                         "process": system.process(), "checks": checks,
                         "database": checks["database"].get("vendor")})


class ReadyView(_Open):
    @extend_schema(responses={200: OpenApiTypes.OBJECT, **ERRORS(503)})
    def get(self, request):
        """200 when the database, the cache, the broker and a qcluster (heartbeat newer than
        SITELENS_READY_WORKER_SECONDS) all answer; else 503 naming what failed."""
        checks = system.checks()
        failed = [name for name, check in checks.items() if not check["ok"]]
        if failed:
            reasons = "; ".join(f"{name}: {checks[name]['error']}" for name in failed)
            return Response(error_body("not_ready", f"Not ready: {reasons}.", checks),
                            status=503)
        return Response({"status": "ready", "checks": checks})


class VersionView(_Open):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        """Sitelens's version, its git commit when known, Django's and Python's."""
        return Response(system.version())


class StatsView(APIView):
    permission_classes = [permissions.IsAdminUser]

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **ERRORS(401, 403)})
    def get(self, request):
        """For staff: users, analyses by status, pages crawled, the task queue, webhook
        deliveries and their success rate."""
        return Response(system.stats())
