"""Cost of the page-rule pass and of building the tree, per page of the benchmark site.

    .venv/bin/python benchmarks/rules.py [--pages 300] [--repeat 5]

Renders the same pages benchmarks/crawl.py serves (render_page), then per page:
- tree building: html5-parser (what Sitelens uses) and lxml.html (libxml2's HTML
  parser, the previous parser, as the peer), each the median of `repeat` runs;
- the page-rule pass: every registered page rule on the one parsed tree
  (run_page_rules, including selectors, snippets and de-duplication), median of
  `repeat` runs on a fresh PageContext each time.
Prints per-page medians and the 95th percentile in milliseconds, and the rule count.
No Django, no network: the pure analyzer core only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lxml.html  # noqa: E402

from apps.analyses.analyzers import all_rules, run_page_rules  # noqa: E402
from apps.web.document import HtmlDocument, parse_html  # noqa: E402
from apps.web.types import CrawledPage  # noqa: E402
from benchmarks.crawl import render_page  # noqa: E402


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    html5, libxml, rules = [], [], []
    sizes = []
    for i in range(args.pages):
        html = render_page(i, args.pages)
        sizes.append(len(html.encode()))
        html5.append(_median_ms(lambda html=html: parse_html(html), args.repeat))
        libxml.append(_median_ms(lambda html=html: lxml.html.document_fromstring(html), args.repeat))
        url = f"http://bench.test/p/{i}"
        document = HtmlDocument.parse(html, url)

        def rule_pass(url=url, document=document) -> None:
            page = CrawledPage(url=url, depth=0, final_url=url, status=200,
                               content_type="text/html", headers={}, redirects=[],
                               document=document)
            run_page_rules(page)

        rules.append(_median_ms(rule_pass, args.repeat))

    def row(name: str, values: list[float]) -> str:
        p95 = statistics.quantiles(values, n=20)[-1]
        return f"{name:<28} median {statistics.median(values):6.2f} ms   p95 {p95:6.2f} ms"

    page_rules = sum(1 for r in all_rules() if r.scope == "page")
    print(f"{args.pages} pages, median {statistics.median(sizes) / 1000:.1f} kB of HTML, "
          f"{page_rules} page rules")
    print(row("tree: html5-parser", html5))
    print(row("tree: lxml.html (peer)", libxml))
    print(row("page-rule pass", rules))


if __name__ == "__main__":
    main()
