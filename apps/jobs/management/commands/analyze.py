"""`manage.py analyze URL`: the same pipeline as the worker, run inline."""

from __future__ import annotations

import json
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.analyses.selectors import finding_counts
from apps.core.errors import ServiceError
from apps.jobs import services
from apps.jobs.api.serializers import AnalysisCreateSerializer
from apps.jobs.models import Job, Status

CLI_USER = "cli@sitelens.local"


class Command(BaseCommand):
    help = "Analyse a website inline (no worker needed) and print the result."

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument("--max-pages", type=int, default=None)
        parser.add_argument("--max-depth", type=int, default=None)
        parser.add_argument("--owner", default=CLI_USER, help="E-mail of the owning user.")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, url, max_pages, max_depth, owner, json: bool, **options):
        data = {"url": url}
        if max_pages is not None:
            data["max_pages"] = max_pages
        if max_depth is not None:
            data["max_depth"] = max_depth
        serializer = AnalysisCreateSerializer(data=data)
        if not serializer.is_valid():
            raise CommandError(_flatten(serializer.errors))
        user, _ = get_user_model().objects.get_or_create(email=owner)
        try:
            job, _ = services.job_create(
                user=user, url=serializer.validated_data["url"], options=serializer.to_options(),
                enqueue=False)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc

        job = services.job_run(job_id=job.pk, on_page=None if json else self._progress)
        job = Job.objects.get(pk=job.pk)
        if not json:
            self.stderr.write("")
        self._report(job, as_json=json)
        if job.status != Status.SUCCEEDED:
            sys.exit(1)

    def _progress(self, job: Job) -> None:
        total = max(job.pages_total, job.pages_done, 1)
        width = 30
        filled = int(width * job.pages_done / total)
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {job.pages_done}/{total} pages"
        self.stderr.write(line, ending="")
        self.stderr.flush()

    def _report(self, job: Job, *, as_json: bool) -> None:
        counts = finding_counts(job)
        rules = {}
        for rule_id in job.findings.values_list("rule_id", flat=True):
            rules[rule_id] = rules.get(rule_id, 0) + 1
        if as_json:
            self.stdout.write(json.dumps({
                "id": str(job.pk), "url": job.url, "status": job.status,
                "pages": job.pages_done, "findings": counts, "rules": rules,
                "error": {"code": job.error_code, "message": job.error} if job.error_code else None,
            }, indent=2))
            return
        self.stdout.write(f"{job.url}: {job.status} — {job.pages_done} pages")
        if job.error:
            self.stdout.write(f"error: {job.error}")
        self.stdout.write("findings: " + ", ".join(f"{n} {sev}" for sev, n in counts.items()))
        for rule_id, n in sorted(rules.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  {n:5d}  {rule_id}")


def _flatten(errors: dict) -> str:
    return "; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in errors.items())
