"""Where a content worker's time goes: each stage of `extract_main` and `measure` timed
in-process (CPU time) over the pages `crawl.py` serves.

```sh
.venv/bin/python benchmarks/content_stages.py [--pages 200]
```

The stages are the extractor's own steps, called in its order on one parse per page
(what a worker does with a page's text): parse, prepare the tree, trafilatura's plain
pass (readability asked once for both passes), the rich pass, both passes' texts, the
Markdown of the kept pass, its prose, the measures. No Django, no network.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from crawl import render_page  # noqa: E402

from apps.analyses.content import extract, metrics  # noqa: E402
from apps.web.document import HtmlDocument  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    extract.warm()
    metrics.warm()
    pages = [render_page(i, 2000) for i in range(args.pages)]
    spent: collections.Counter[str] = collections.Counter()
    clock = time.process_time
    for i, html in enumerate(pages):
        start = clock()
        document = HtmlDocument.parse(html, f"http://127.0.0.1/{i}")
        mark = clock()
        spent["parse (html5-parser)"] += mark - start
        tree = extract._prepared(document, copy_tree=False)
        start, mark = mark, clock()
        spent["prepare the tree"] += mark - start
        token = extract._readability_memo.set({})
        plain = extract._extract(tree, document.url, rich=False)
        start, mark = mark, clock()
        spent["trafilatura plain pass (with readability)"] += mark - start
        rich = extract._extract(tree, document.url, rich=True)
        start, mark = mark, clock()
        spent["trafilatura rich pass"] += mark - start
        extract._readability_memo.reset(token)
        rich_text, plain_text = extract._plain_text(rich), extract._plain_text(plain)
        start, mark = mark, clock()
        spent["both passes' texts"] += mark - start
        kept = extract._keeps(rich_text[0], plain_text[0])
        body, (text, flat) = (rich, rich_text) if kept else (plain, plain_text)
        extract._markdown(body)
        start, mark = mark, clock()
        spent["markdown"] += mark - start
        prose = extract._prose(flat, text)
        start, mark = mark, clock()
        spent["prose"] += mark - start
        metrics.measure(text, document.tree.get("lang"), prose)
        start, mark = mark, clock()
        spent["measures (language, readability, simhash)"] += mark - start
    total = sum(spent.values())
    for name, seconds in spent.most_common():
        print(f"{name:45} {seconds / args.pages * 1000:6.2f} ms/page  {seconds / total * 100:4.1f} %")
    print(f"{'total':45} {total / args.pages * 1000:6.2f} ms/page")


if __name__ == "__main__":
    main()
