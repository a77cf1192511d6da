"""Exports in admin: to read, to build again when one failed or expired, and to delete
(with its file). Made only through the API and pages, which check the analysis and
count the owner's usage."""

from __future__ import annotations

from django.contrib import admin, messages

from apps.core.errors import ServiceError
from apps.exports.models import Export
from apps.exports.services import export_delete, export_rebuild


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ["id", "format", "owner", "status", "batch", "size", "created_at",
                    "finished_at", "expires_at"]
    list_select_related = ["owner"]
    list_filter = ["status", "format", "batch"]
    search_fields = ["id", "owner__email", "filename"]
    date_hierarchy = "created_at"
    raw_id_fields = ["owner", "job", "converted_from"]
    # Not `file`: the file is handed out only through signed download links.
    fields = ["id", "owner", "job", "analyses", "batch", "format", "status", "converted_from",
              "filename", "media_type", "size", "sha256", "error", "created_at", "finished_at",
              "expires_at"]
    readonly_fields = [name for name in fields if name != "expires_at"]
    actions = ["rebuild_exports"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Build selected failed or expired exports again",
                  permissions=["change"])
    def rebuild_exports(self, request, queryset):
        rebuilt = 0
        for export in queryset:
            try:
                export_rebuild(export=export)
                rebuilt += 1
            except ServiceError as exc:
                self.message_user(request, f"Export {export.pk}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{rebuilt} exports queued to be built again.", messages.INFO)

    def delete_model(self, request, obj: Export) -> None:
        export_delete(obj)  # and its file, once the deletion commits

    def delete_queryset(self, request, queryset) -> None:
        for export in queryset:
            export_delete(export)
