"""`manage.py analyze URL`: the same pipeline as the worker, run inline."""

from __future__ import annotations

import json
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.analyses import services
from apps.analyses.options import AnalysisRequestSerializer, validation_errors_text
from apps.analyses.selectors import finding_counts
from apps.core.errors import ServiceError
from apps.jobs.models import Job, Status
from apps.jobs.runner import RunObserver, job_run

CLI_USER = "cli@sitelens.local"


class ProgressBar(RunObserver):
    """Draws a progress bar on stderr after each stored page."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def page_stored(self, job: Job) -> None:
        total = max(job.pages_total, job.pages_done, 1)
        width = 30
        filled = int(width * job.pages_done / total)
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {job.pages_done}/{total} "
                          "pages", ending="")
        self.stream.flush()


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
        serializer = AnalysisRequestSerializer(data=data)  # the API's validation
        if not serializer.is_valid():
            raise CommandError(validation_errors_text(serializer.errors))
        user, _ = get_user_model().objects.get_or_create(email=owner)
        try:
            job, _ = services.analysis_create(user=user, request=serializer.to_request(),
                                              enqueue=False)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc

        ran = job_run(job_id=job.pk, observer=None if json else ProgressBar(self.stderr))
        finished = Job.objects.filter(pk=job.pk).first()
        if not json:
            self.stderr.write("")
        if finished is None:
            raise CommandError("The analysis was deleted while it ran.")
        if ran is None:
            raise CommandError(f"Another worker took the analysis over ({finished.worker}); "
                               f"follow it with the API: /api/v1/analyses/{finished.pk}")
        self._report(finished, as_json=json)
        if finished.status != Status.SUCCEEDED:
            sys.exit(1)

    def _report(self, job: Job, *, as_json: bool) -> None:
        counts = finding_counts(job)
        rules: dict[str, int] = {}
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
