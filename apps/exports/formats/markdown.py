"""`markdown`: a short report summary, then the site's main content, one section per page
in crawl order (the documentation-scraper use)."""

from __future__ import annotations

from typing import BinaryIO

from django.db.models import Count

from apps.analyses.content_export import site_sections
from apps.analyses.models import Finding, PageContent
from apps.analyses.outputs import Output
from apps.exports import data
from apps.exports.formats.text import text


def summary(job) -> str:
    found = data.analysis(job)
    lines = [f"# Sitelens report: {job.url}", "",
             f"Analysis {job.pk} ({job.kind}), {job.status}, {job.pages_done} pages, finished "
             f"{found['finished_at'] or 'not yet'}.", ""]
    if found["scores"]:
        lines += ["| category | score |", "| --- | --- |"]
        lines += [f"| {category} | {'–' if score is None else score} |"
                  for category, score in found["scores"].items()]
        lines.append("")
    counts = found["findings"]
    lines.append("Findings: " + ", ".join(f"{n} {severity.replace('_', ' ')}"
                                          for severity, n in counts.items()) + ".")
    # Counted by the database; sorted here, so ties order as Python orders strings.
    tally = dict(Finding.objects.filter(job=job).values("rule_id").annotate(n=Count("id"))
                 .order_by().values_list("rule_id", "n"))
    if tally:
        lines += ["", "Most frequent:"]
        lines += [f"- `{rule_id}`: {n}" for rule_id, n in
                  sorted(tally.items(), key=lambda item: (-item[1], item[0]))[:10]]
    for review in found["personas"]:
        persona = review["persona"]
        lines += ["", f"Persona {review['member']} ({persona['role']}, "
                      f"{persona['experience_level']}): overall {review['overall']}; "
                  + ", ".join(f"{d} {s}" for d, s in review["scores"].items()) + "."]
    return "\n".join(lines) + "\n"


def write(job, stream: BinaryIO) -> None:
    pages = PageContent.objects.filter(job=job).count()
    with text(stream) as out:
        out.write(summary(job))
        out.write(f"\n## Main content of {pages} pages\n")
        if job.pruned:
            out.write(f"\nThe pages' content was removed on {job.pruned['at'][:10]}, "
                      f"{job.pruned['after_days']} days after the analysis ended "
                      "(retention).\n")
        for section in site_sections(job):
            out.write(section)


OUTPUT = Output(name="markdown", media_type="text/markdown", extension="md",
                description="A short report, then every page's main content as Markdown.",
                write=write)
