"""What the site analysis reads back from the stored pages, and writes into them."""

import pytest

from apps.analyses.pipeline import store
from apps.jobs.models import Page
from tests.factories import JobFactory, PageFactory

pytestmark = pytest.mark.django_db


def _site(pages: int):
    job = JobFactory()
    for i in range(pages):
        PageFactory(job=job, url=f"http://example.com/{i}",
                    links=["http://example.com/", f"http://example.com/{(i + 1) % pages}"],
                    facts={"anchors": {"http://example.com/": "Home"}, "headings": ["Overview"],
                           "not_applicable": ["image-alt"], "content": {"words": i}})
    return job


def test_summaries_equal_the_stored_values_and_share_repeated_strings():
    job = _site(3)
    summaries = store.page_summaries(job)
    stored = list(Page.objects.filter(job=job).order_by("id").values("url", "links", "facts"))
    assert [(s.url, s.links, s.facts) for s in summaries] == [
        (p["url"], p["links"], p["facts"]) for p in stored]
    first, second = summaries[0], summaries[1]
    assert first.links[0] is second.links[0]  # one string for the URL every page names
    assert first.links[1] is second.url
    assert next(iter(first.facts["anchors"])) is next(iter(second.facts["anchors"]))
    assert first.facts["headings"][0] is second.facts["headings"][0]
    assert first.facts["content"] is not second.facts["content"]  # containers are not shared


def test_weights_and_scores_reach_every_page_across_batches(monkeypatch):
    monkeypatch.setattr(store, "FACTS_BATCH", 2)
    job = _site(5)
    store.store_weights(job, {f"http://example.com/{i}": {"total_bytes": i} for i in range(5)})
    store.store_report(job, page_scores={f"http://example.com/{i}": {"seo": 90 + i}
                                         for i in range(0, 5, 2)}, site_scores={}, content={})
    facts = dict(Page.objects.filter(job=job).values_list("url", "facts"))
    for i in range(5):
        page = facts[f"http://example.com/{i}"]
        assert page["weight"] == {"total_bytes": i} and page["headings"] == ["Overview"]
        assert page.get("scores") == ({"seo": 90 + i} if i % 2 == 0 else None)
