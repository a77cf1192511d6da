"""The job-level endpoints every kind shares: status, cancel, retry, delete, events and
logs. The live streams (Server-Sent Events at `.../events/stream`, WebSockets) are ASGI
apps of their own (`apps.jobs.sse`, `apps.jobs.consumers`), documented in the schema
by `apps.core.api.openapi`.

`JobViewSet` knows no kind. An app exposes its kind under its own prefix by
subclassing it (setting `serializer_class`, adding create/list/retrieve and its own
sub-resources), e.g. `apps.analyses.api.views.AnalysisViewSet` at `/analyses`.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.schema import ERRORS
from apps.core.api.views import OwnedViewSet
from apps.jobs import services
from apps.jobs.api.renderers import PlainTextRenderer
from apps.jobs.api.serializers import EventSerializer, JobStatusSerializer, LogLineSerializer
from apps.jobs.events import events_after
from apps.jobs.logs import job_log
from apps.jobs.models import Job
from apps.jobs.streams import parse_after
from apps.jobs.usage import usage_report

EventPage = inline_serializer(
    name="EventPage",
    fields={"results": EventSerializer(many=True),
            "next_after": serializers.IntegerField(allow_null=True)},
)
LogPage = inline_serializer(
    name="LogPage",
    fields={"results": LogLineSerializer(many=True),
            "next_after": serializers.IntegerField(allow_null=True)},
)
AFTER = OpenApiParameter("after", OpenApiTypes.INT, description="Only entries with a larger id.")


def non_negative_int(params, name: str, default: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    value = parse_after(raw)  # the streams read `after` / Last-Event-ID the same way
    if value is None:
        raise serializers.ValidationError({name: ["Must be a non-negative integer."]})
    return value


class JobViewSet(mixins.RetrieveModelMixin, OwnedViewSet):
    queryset = Job.objects.all()
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    # Operators read any analysis and cancel or retry it (never delete it).
    staff_readable = True
    staff_actions = {"cancel": "jobs.cancel_any_job", "retry": "jobs.retry_any_job"}

    def serialize(self, job: Job) -> dict:
        """The kind's representation of one job (subclasses add their counts)."""
        return self.get_serializer(job).data

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors leave in the one JSON error shape whatever renderer the action chose.
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(responses={204: None, **ERRORS(401, 404)})
    def destroy(self, request, *args, **kwargs):
        """Delete with everything it produced (a running one is stopped first)."""
        services.job_delete(job=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: JobStatusSerializer, **ERRORS(401, 404)})
    @action(detail=True, methods=["get"], url_path="status", filterset_class=None)
    def job_status(self, request, pk=None):
        """Status, stage and progress only: cheap to poll."""
        return Response(JobStatusSerializer(self.get_object()).data)

    @extend_schema(request=None, responses={202: None, **ERRORS(401, 404, 409)})
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancel(self, request, pk=None):
        """Cancel a queued one at once; a running one stops within one page and keeps
        what it did. 409 when it already ended."""
        job = services.job_cancel(job=self.get_object())
        return Response(self.serialize(job), status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={201: None, **ERRORS(401, 404, 409, 429)})
    @action(detail=True, methods=["post"], filterset_class=None)
    def retry(self, request, pk=None):
        """A new run with the same options, for a failed or cancelled one (409 otherwise).
        The new one names this one in `retry_of`; this one lists it in `retries`."""
        new = services.job_retry(job=self.get_object())
        return Response(self.serialize(new), status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[AFTER, OpenApiParameter("limit", OpenApiTypes.INT,
                                            description="At most this many (≤ 500).")],
        responses={200: EventPage, **ERRORS(400, 401, 404)},
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def events(self, request, pk=None):
        """The stored event log, oldest first; page with `after=<next_after>`."""
        job = self.get_object()
        after = non_negative_int(request.query_params, "after", 0)
        limit = min(non_negative_int(request.query_params, "limit", 500) or 500, 500)
        rows = events_after(job.pk, after=after, limit=limit)
        return Response({
            "results": EventSerializer(rows, many=True).data,
            "next_after": rows[-1].id if rows else after,
        })

    @extend_schema(
        parameters=[
            AFTER,
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "text"],
                             description="`text` for plain lines a person can read."),
        ],
        responses={200: LogPage, (200, "text/plain"): OpenApiTypes.STR,
                   **ERRORS(400, 401, 404)},
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None,
            renderer_classes=[JSONRenderer, PlainTextRenderer])
    def logs(self, request, pk=None):
        """The job's log: crawl notes, warnings, status changes and the outcome."""
        job = self.get_object()
        after = non_negative_int(request.query_params, "after", 0)
        lines = job_log(job.pk, after=after)
        if request.accepted_renderer.format == "text":
            return Response("".join(line.as_text() + "\n" for line in lines),
                            content_type="text/plain; charset=utf-8")
        return Response({
            "results": [line.__dict__ for line in lines],
            "next_after": lines[-1].id if lines else after,
        })


class UsageView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT, **ERRORS(401)})
    def get(self, request):
        """This month's analyses (counted when admitted: deleting one gives nothing back),
        pages crawled by this month's analyses, exports, the plan's limits and when the
        monthly quota resets (the first instant of next month, UTC)."""
        return Response(usage_report(request.user))
