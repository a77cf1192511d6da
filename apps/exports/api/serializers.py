"""Export API shapes."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from apps.analyses import outputs
from apps.core.api.serializers import StrictSerializer
from apps.exports import links
from apps.exports.models import Export, ExportStatus


def _formats() -> list[str]:
    return outputs.names()


class FormatField(serializers.CharField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in _formats():
            raise serializers.ValidationError(
                f"Unknown format {value!r}. Known: {', '.join(_formats())}.")
        return value


class ExportRequestSerializer(StrictSerializer):
    format = FormatField(max_length=20, help_text="json, csv, csv-pages, markdown, html, pdf, "
                                                  "sarif or junit.")


class ConvertRequestSerializer(StrictSerializer):
    to = FormatField(max_length=20, help_text="The format to convert to.")


class BatchRequestSerializer(StrictSerializer):
    analyses = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=50)
    format = FormatField(max_length=20)


class ExportSerializer(serializers.ModelSerializer):
    analysis = serializers.SerializerMethodField(help_text="The analysis (the first, for a batch).")
    download = serializers.SerializerMethodField(help_text="Download with your credentials.")
    download_url = serializers.SerializerMethodField(
        help_text="A signed link anyone holding it can use, valid 24 h (never past "
                  "expires_at); null until ready.")
    download_url_expires_at = serializers.SerializerMethodField()

    class Meta:
        model = Export
        fields = ["id", "analysis", "analyses", "batch", "format", "status", "media_type",
                  "filename", "size", "sha256", "error", "converted_from", "created_at",
                  "finished_at", "expires_at", "download", "download_url",
                  "download_url_expires_at"]
        read_only_fields = fields

    def get_analysis(self, export) -> str | None:
        return str(export.job_id) if export.job_id else None

    def _request(self):
        return self.context.get("request")

    def get_download(self, export) -> str | None:
        if export.status != ExportStatus.READY:
            return None
        path = reverse("export-download", kwargs={"pk": export.pk})
        request = self._request()
        return request.build_absolute_uri(path) if request else path

    def get_download_url(self, export) -> str | None:
        if export.status != ExportStatus.READY:
            return None
        path = reverse("export-signed-download", kwargs={"token": links.sign(export)})
        request = self._request()
        return request.build_absolute_uri(path) if request else path

    def get_download_url_expires_at(self, export):
        return links.expires_at(export) if export.status == ExportStatus.READY else None
