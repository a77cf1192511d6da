"""Making, converting, batching and deleting exports; building them in the worker.

An export is a row first (queued), built by a django-q task after the creating
transaction commits: the format streams the analysis into a temporary file, which is
hashed as it is written and then saved through Django's storage API. Exports expire
after the owner's plan's retention; a schedule deletes expired ones with their files.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import zipfile
from datetime import timedelta

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from apps.accounts import usage
from apps.accounts.models import User
from apps.analyses import outputs
from apps.core.errors import Conflict, ServiceError
from apps.core.lifecycle import announce_export_ready
from apps.exports.models import Export, ExportStatus
from apps.jobs.models import Job, Status

logger = logging.getLogger(__name__)
MAX_BATCH = 50


class _Hashing:
    """A binary file wrapper that hashes and counts what is written."""

    def __init__(self, raw) -> None:
        self.raw, self.digest, self.size = raw, hashlib.sha256(), 0

    def write(self, chunk) -> int:
        self.digest.update(chunk)
        self.size += len(chunk)
        return self.raw.write(chunk)

    def __getattr__(self, name):
        return getattr(self.raw, name)


def _format(name: str):
    output = outputs.get(name)
    if output is None:
        raise ServiceError(f"Unknown format {name!r}. Known: {', '.join(outputs.names())}.",
                           details={"format": [f"Choose one of: {', '.join(outputs.names())}."]})
    return output


def _exportable(job: Job) -> None:
    if not job.is_terminal:
        raise Conflict(f"The analysis is still {job.status}: export it when it has finished.",
                       code="analysis_running")
    if job.status != Status.SUCCEEDED:
        raise Conflict(f"The analysis {job.status}; only a succeeded analysis can be exported.",
                       code="analysis_not_succeeded")


def _expiry(user: User):
    return timezone.now() + timedelta(days=user.get_plan().export_retention_days)


def _enqueue(export: Export) -> None:
    export_id = str(export.pk)
    transaction.on_commit(lambda: async_task("apps.exports.services.build", export_id,
                                             task_name=f"export-{export_id}"))


def export_create(*, user: User, job: Job, format: str, converted_from: Export | None = None
                  ) -> Export:
    _format(format)
    _exportable(job)
    with transaction.atomic():
        export = Export.objects.create(owner=user, job=job, analyses=[str(job.pk)],
                                       format=format, converted_from=converted_from,
                                       expires_at=_expiry(user))
        usage.count_export(user)
        _enqueue(export)
    return export


def export_batch(*, user: User, jobs: list[Job], format: str) -> Export:
    _format(format)
    if not jobs:
        raise ServiceError("Give at least one analysis.", details={"analyses": ["Required."]})
    for job in jobs:
        _exportable(job)
    with transaction.atomic():
        export = Export.objects.create(owner=user, job=jobs[0], batch=True, format=format,
                                       analyses=[str(job.pk) for job in jobs],
                                       expires_at=_expiry(user))
        usage.count_export(user)
        _enqueue(export)
    return export


def export_convert(*, export: Export, to: str) -> Export:
    """The same analysis (or analyses) in another format, as a new export."""
    _format(to)
    if export.batch:
        jobs = list(Job.objects.filter(pk__in=export.analyses))
        jobs.sort(key=lambda job: export.analyses.index(str(job.pk)))
        converted = export_batch(user=export.owner, jobs=jobs, format=to)
        Export.objects.filter(pk=converted.pk).update(converted_from=export)
        converted.converted_from = export
        return converted
    if export.job is None:
        raise Conflict("The analysis of this export was deleted.", code="analysis_gone")
    return export_create(user=export.owner, job=export.job, format=to, converted_from=export)


def export_rebuild(*, export: Export) -> Export:
    """Build a failed or expired export again, as the same export (id and links stay):
    queued again, with a fresh expiry from its owner's plan; its old file, if any, is
    deleted once the rebuild commits. An operator's repair, so it counts no usage.

    One conditional UPDATE decides, so a rebuild cannot race a build under way (nor a
    second rebuild). Conflict for an export that is queued, being built, or ready and
    not yet expired, and for one whose analysis was deleted.
    """
    if not export.batch and export.job_id is None:
        raise Conflict("The analysis of this export was deleted.", code="analysis_gone")
    now = timezone.now()
    old_file = export.file.name
    rebuildable = Q(status=ExportStatus.FAILED) | Q(status=ExportStatus.READY, expires_at__lte=now)
    with transaction.atomic():
        if not Export.objects.filter(rebuildable, pk=export.pk).update(
                status=ExportStatus.QUEUED, file="", filename="", media_type="", size=None,
                sha256="", error="", finished_at=None, expires_at=_expiry(export.owner)):
            now_status = Export.objects.filter(pk=export.pk).values_list("status", flat=True) \
                .first() or "deleted"
            raise Conflict(f"Only a failed or expired export is built again; this one is "
                           f"{now_status} and not expired.", code="export_not_rebuildable")
        export.refresh_from_db()
        _enqueue(export)
        if old_file:
            transaction.on_commit(lambda: default_storage.delete(old_file))
    return export


def export_delete(export: Export) -> None:
    name = export.file.name
    export.delete()
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


def _filename(export: Export, output) -> str:
    if export.batch:
        return f"sitelens-{len(export.analyses)}-analyses-{output.name}.zip"
    return f"sitelens-{export.analyses[0][:8]}.{output.extension}"


def build(export_id: str) -> None:
    """The task: write the export, store it, mark it ready (or failed, with why)."""
    claimed = Export.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING)
    if not claimed:
        return  # deleted, or built already (a task delivered twice)
    export = Export.objects.get(pk=export_id)
    output = outputs.get(export.format)
    try:
        with tempfile.TemporaryFile() as raw:
            sink = _Hashing(raw)
            jobs = {str(job.pk): job for job in Job.objects.filter(pk__in=export.analyses)}
            if export.batch:
                with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                    for analysis_id in export.analyses:
                        if analysis_id in jobs:
                            name = f"sitelens-{analysis_id[:8]}.{output.extension}"
                            with archive.open(name, "w", force_zip64=True) as member:
                                output.write(jobs[analysis_id], member)
            else:
                job = jobs.get(export.analyses[0])
                if job is None:
                    raise LookupError("the analysis was deleted")
                output.write(job, sink)
            raw.seek(0)
            filename = _filename(export, output)
            stored = default_storage.save(f"exports/{export.pk}/{filename}", File(raw))
    except Exception as exc:  # a format that fails must leave a failed export, not a running one
        logger.exception("export %s (%s) failed", export_id, export.format)
        Export.objects.filter(pk=export_id).update(status=ExportStatus.FAILED,
                                                   error=f"{type(exc).__name__}: {exc}"[:500],
                                                   finished_at=timezone.now())
        return
    with transaction.atomic():  # ready, and its notification and webhooks, together
        updated = Export.objects.filter(pk=export_id, status=ExportStatus.RUNNING).update(
            status=ExportStatus.READY, file=stored, filename=filename,
            media_type="application/zip" if export.batch else output.media_type,
            size=sink.size, sha256=sink.digest.hexdigest(), finished_at=timezone.now())
        if updated:
            announce_export_ready(Export.objects.get(pk=export_id))
    if not updated:  # deleted while it was built
        default_storage.delete(stored)


def delete_expired() -> int:
    """The schedule: delete exports past their expiry, with their files."""
    expired = list(Export.objects.filter(expires_at__lte=timezone.now()))
    for export in expired:
        export_delete(export)
    return len(expired)
