"""/api/v1/exports and /api/v1/analyses/{id}/exports."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from django.http import FileResponse, JsonResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.errors import error_response
from apps.core.api.schema import ERRORS
from apps.core.api.views import OwnedViewSet
from apps.exports import links, services
from apps.exports.api.serializers import (
    BatchRequestSerializer,
    ConvertRequestSerializer,
    ExportRequestSerializer,
    ExportSerializer,
)
from apps.exports.models import Export, ExportStatus
from apps.jobs.models import Job

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema" / "export.schema.json"


def _file_response(export: Export) -> FileResponse:
    response = FileResponse(export.file.open("rb"), as_attachment=True,
                            filename=export.filename, content_type=export.media_type)
    response["X-Content-SHA256"] = export.sha256
    return response


def _ready(export: Export):
    if export.expires_at <= timezone.now():
        return error_response(410, "expired", "This export has expired and was deleted.")
    if export.status != ExportStatus.READY:
        return error_response(409, "not_ready", f"The export is {export.status}.")
    return None


class _FormatIsAFilter(DefaultContentNegotiation):
    """Here `?format=` filters exports by format; it does not pick a renderer."""

    class settings:  # noqa: N801 - stands in for api_settings
        URL_FORMAT_OVERRIDE = None


class ExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnedViewSet):
    """My exports: the export history (filter with ?analysis=, ?format=, ?status=)."""

    queryset = Export.objects.all()
    content_negotiation_class = _FormatIsAFilter
    serializer_class = ExportSerializer
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def get_queryset(self):
        queryset = super().get_queryset()
        params = self.request.query_params
        if params.get("analysis"):
            try:
                analysis = uuid.UUID(params["analysis"])
            except ValueError:
                raise ValidationError({"analysis": ["Give an analysis id."]}) from None
            queryset = queryset.filter(job_id=analysis)
        if params.get("format"):
            queryset = queryset.filter(format=params["format"])
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        return queryset

    @extend_schema(parameters=[
        OpenApiParameter("analysis", OpenApiTypes.UUID), OpenApiParameter("format", str),
        OpenApiParameter("status", str, enum=[s.value for s in ExportStatus])],
        responses={200: ExportSerializer(many=True), **ERRORS(400, 401)})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: ExportSerializer, **ERRORS(401, 404)})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(responses={204: None, **ERRORS(401, 404)})
    def destroy(self, request, pk=None):
        services.export_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY,
                              **ERRORS(401, 404, 409, 410)})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file, with your credentials (the response carries X-Content-SHA256)."""
        export = self.get_object()
        return _ready(export) or _file_response(export)

    @extend_schema(request=ConvertRequestSerializer,
                   responses={202: ExportSerializer, **ERRORS(400, 401, 404, 409)})
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        """The same analysis in another format, as a new export."""
        export = self.get_object()
        body = ConvertRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        converted = services.export_convert(export=export, to=body.validated_data["to"])
        return Response(ExportSerializer(converted, context={"request": request}).data,
                        status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=BatchRequestSerializer,
                   responses={202: ExportSerializer, **ERRORS(400, 401, 404, 409)})
    @action(detail=False, methods=["post"])
    def batch(self, request):
        """One zip of several of your analyses, each in `format`."""
        body = BatchRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = list(dict.fromkeys(body.validated_data["analyses"]))
        jobs = {job.pk: job for job in Job.objects.owned_by(request.user).filter(pk__in=ids)}
        missing = [str(i) for i in ids if i not in jobs]
        if missing:
            raise NotFound(f"No such analysis: {', '.join(missing)}.")
        export = services.export_batch(user=request.user, jobs=[jobs[i] for i in ids],
                                       format=body.validated_data["format"])
        return Response(ExportSerializer(export, context={"request": request}).data,
                        status=status.HTTP_202_ACCEPTED)


class AnalysisExportsView(APIView):
    @extend_schema(request=ExportRequestSerializer,
                   responses={202: ExportSerializer, **ERRORS(400, 401, 404, 409)},
                   description="Export an analysis that has succeeded (409 while it runs): "
                               "202 with the export, built in the background; poll GET "
                               "/exports/{id} until `status` is `ready`.")
    def post(self, request, pk):
        job = Job.objects.owned_by(request.user).filter(pk=pk).first()
        if job is None:
            raise NotFound("No such analysis.")
        body = ExportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        export = services.export_create(user=request.user, job=job,
                                        format=body.validated_data["format"])
        return Response(ExportSerializer(export, context={"request": request}).data,
                        status=status.HTTP_202_ACCEPTED)


class SignedDownloadView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(auth=[], responses={(200, "application/octet-stream"): OpenApiTypes.BINARY,
                                       **ERRORS(404, 410)},
                   description="A signed download link (from an export's `download_url`); no "
                               "credentials needed. Tampered: 404; expired: 410.")
    def get(self, request, token):
        try:
            export_id = links.unsign(token)
        except links.LinkExpired:
            return error_response(410, "link_expired", "This download link has expired; ask "
                                                       "for a new one (GET /exports/{id}).")
        except links.LinkInvalid:
            return error_response(404, "not_found", "No such download.")
        export = Export.objects.filter(pk=export_id).first()
        if export is None:
            return error_response(410, "gone", "This export was deleted.")
        return _ready(export) or _file_response(export)


def export_schema(request):
    """GET /api/v1/schema/export.json: the JSON Schema of the `json` export."""
    return JsonResponse(json.loads(SCHEMA_FILE.read_text()),
                        content_type="application/schema+json")
