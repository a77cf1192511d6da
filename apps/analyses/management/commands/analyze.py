"""`manage.py analyze URL`: the same pipeline as the worker, run inline."""

from __future__ import annotations

import json
import json as json_module
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.analyses import outputs, services
from apps.analyses.models import PersonaReview, Report
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
        parser.add_argument("--persona", metavar="FILE",
                            help="A persona as JSON (role, experience_level, primary_goal, "
                                 "context, additional_details): review the site as it.")
        parser.add_argument("--variations", type=int, default=None, metavar="N",
                            help="With --persona: a focus group of N members (1-20).")
        parser.add_argument("--format", dest="output_format", default=None,
                            help="Also write the result in this export format (json, csv, "
                                 "csv-pages, markdown, html, pdf, sarif, junit).")
        parser.add_argument("--output", default=None, metavar="FILE",
                            help="With --format: where to write it ('-' for stdout).")

    def handle(self, *args, url, max_pages, max_depth, owner, json: bool, persona=None,
               variations=None, output_format=None, output=None, **options):
        writer = _writer(output_format, output)
        data = {"url": url}
        if persona is not None:
            data["persona"] = _read_persona(persona)
            data["kind"] = "focus_group" if variations is not None else "single"
            if variations is not None:
                data["num_variations"] = variations
        elif variations is not None:
            raise CommandError("--variations needs --persona.")
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
        if writer is not None and finished.status == Status.SUCCEEDED:
            self._write(finished, writer, output)
        else:
            self._report(finished, as_json=json)
        if finished.status != Status.SUCCEEDED:
            sys.exit(1)

    def _write(self, job: Job, writer: outputs.Output, output: str) -> None:
        if output == "-":
            self.stdout.flush()
            writer.write(job, sys.stdout.buffer)
            sys.stdout.buffer.flush()
            return
        with open(output, "wb") as handle:
            writer.write(job, handle)
        self._report(job, as_json=False)
        self.stdout.write(f"wrote {writer.name} to {output}")

    def _report(self, job: Job, *, as_json: bool) -> None:
        reviews = list(PersonaReview.objects.filter(job=job).order_by("member"))
        report = Report.objects.filter(job=job).first()
        counts = finding_counts(job)
        rules: dict[str, int] = {}
        for rule_id in job.findings.values_list("rule_id", flat=True):
            rules[rule_id] = rules.get(rule_id, 0) + 1
        if as_json:
            self.stdout.write(json.dumps({
                "id": str(job.pk), "url": job.url, "status": job.status,
                "pages": job.pages_done, "findings": counts, "rules": rules,
                "error": {"code": job.error_code, "message": job.error} if job.error_code else None,
                "scores": report.scores if report else None,
                "personas": [{"member": r.member, "persona": r.persona, "scores": r.scores,
                              "overall": r.overall, "observations": r.observations}
                             for r in reviews],
                "focus_group": report.personas if report else None,
            }, indent=2, ensure_ascii=False))
            return
        self.stdout.write(f"{job.url}: {job.status} — {job.pages_done} pages")
        if job.error:
            self.stdout.write(f"error: {job.error}")
        self.stdout.write("findings: " + ", ".join(f"{n} {sev}" for sev, n in counts.items()))
        if report is not None:
            self.stdout.write("scores: " + ", ".join(f"{category} {score}" for category, score
                                                     in report.scores.items()
                                                     if score is not None))
        for rule_id, n in sorted(rules.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  {n:5d}  {rule_id}")
        for review in reviews:
            self.stdout.write("")
            self.stdout.write(persona_card(review))
        if report is not None and report.personas:
            self.stdout.write("")
            self.stdout.write(focus_group_text(report.personas))


def _writer(name: str | None, output: str | None) -> outputs.Output | None:
    if name is None:
        if output is not None:
            raise CommandError("--output needs --format.")
        return None
    writer = outputs.get(name)
    if writer is None:
        raise CommandError(f"Unknown format {name!r}. Known: {', '.join(outputs.names())}.")
    if output is None:
        raise CommandError("--format needs --output FILE (or '-' for stdout).")
    return writer


def _read_persona(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            value = json_module.load(handle)
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
    except ValueError as exc:
        raise CommandError(f"{path} is not valid JSON: {exc}.") from exc
    if not isinstance(value, dict):
        raise CommandError(f"{path} must hold a JSON object (a persona).")
    return value


def _bar(score: int, width: int = 20) -> str:
    filled = round(width * score / 100)
    return "█" * filled + "·" * (width - filled)


def persona_card(review: PersonaReview) -> str:
    """One persona's review as a terminal card: who, scores as bars, the problems."""
    persona = review.persona
    details = persona.get("additional_details") or {}
    needs = ", ".join(n.replace("_", " ") for n in details.get("accessibility_needs") or [])
    varied = ", ".join(f"{k}={v}" for k, v in review.varied.items())
    lines = [
        f"┌ Member {review.member}{f' ({varied})' if varied else ''}: {persona['role']}, "
        f"{persona['experience_level']}, on {details.get('device')} ({details.get('connection')})"
        + (f", uses {needs}" if needs else ""),
        f"│ Goal: {persona['primary_goal']}",
        f"│ Overall {review.overall:3d}",
    ]
    for dimension, score in review.scores.items():
        lines.append(f"│   {dimension:<13} {score:3d} {_bar(score)}")
    problems = [o for o in review.observations if o["kind"] == "problem"]
    lines.append(f"│ Problems ({len(problems)}):")
    for observation in problems:
        lines.append(f"│   - {observation['message']}")
    lines.append("└" + "─" * 40)
    return "\n".join(lines)


def focus_group_text(summary: dict) -> str:
    lines = [f"Focus group of {summary['members']} members"]
    for bucket in ("consensus", "majority", "divergent"):
        for entry in summary[bucket]:
            why = f" — {entry['explained_by']}" if entry.get("explained_by") else ""
            lines.append(f"  [{bucket}] {entry['seen_by']}: {entry['message']}{why}")
    return "\n".join(lines)
