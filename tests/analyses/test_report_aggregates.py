"""The report's aggregates (the findings chart, the incomplete rules), counted by the
database, against counts made by hand."""

import pytest

from apps.analyses.charts import violation_counts
from apps.analyses.selectors import MAX_PAGE_URLS, incomplete_rules_for
from tests.factories import FindingFactory, JobFactory, RuleFailureFactory

pytestmark = pytest.mark.django_db


def test_violation_counts_count_a_violation_in_each_of_its_categories():
    job = JobFactory()
    FindingFactory.create_batch(3, job=job, categories=["accessibility", "seo"],
                                severity="critical")
    FindingFactory.create_batch(2, job=job, categories=["seo"], severity="minor")
    FindingFactory(job=job, categories=["links"], severity="serious")
    FindingFactory(job=job, categories=["seo", "not-a-category"], severity="moderate")
    FindingFactory(job=job, categories=["seo"], severity="critical", outcome="needs_review")
    FindingFactory(categories=["seo"], severity="critical")  # another analysis's
    counts = violation_counts(job)
    assert counts["seo"] == {"critical": 3, "serious": 0, "moderate": 1, "minor": 2}
    assert counts["accessibility"] == {"critical": 3, "serious": 0, "moderate": 0, "minor": 0}
    assert counts["links"] == {"critical": 0, "serious": 1, "moderate": 0, "minor": 0}
    assert list(counts) == ["seo", "accessibility", "links", "content", "weight"]
    assert sum(counts["content"].values()) == sum(counts["weight"].values()) == 0


def test_incomplete_rules_list_the_first_pages_of_each_rule_in_the_order_they_failed():
    job, other = JobFactory(), JobFactory()
    urls = []
    for i in range(MAX_PAGE_URLS + 3):
        urls.append(f"http://example.com/{i}")
        RuleFailureFactory(job=job, rule_id="dom-size", error_type="KeyError", page_url=urls[-1])
        if i == 1:
            RuleFailureFactory(job=job, rule_id="label", error_type="ValueError", page_url="")
        RuleFailureFactory(job=other, rule_id="dom-size", error_type="KeyError",
                           page_url=f"http://other.example/{i}")
    RuleFailureFactory(job=job, rule_id="dom-size", error_type="TypeError", page_url=urls[0])
    found = incomplete_rules_for([job, other])
    assert found[job.pk] == [
        {"rule_id": "dom-size", "error_type": "KeyError", "pages": MAX_PAGE_URLS + 3,
         "page_urls": urls[:MAX_PAGE_URLS]},
        {"rule_id": "label", "error_type": "ValueError", "pages": 1, "page_urls": [None]},
        {"rule_id": "dom-size", "error_type": "TypeError", "pages": 1, "page_urls": [urls[0]]},
    ]
    assert found[other.pk][0]["page_urls"] == [f"http://other.example/{i}"
                                               for i in range(MAX_PAGE_URLS)]
    clean = JobFactory()
    assert incomplete_rules_for([clean]) == {clean.pk: []}
