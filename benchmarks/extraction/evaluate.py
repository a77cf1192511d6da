"""Main-content extraction quality: precision / recall / F1 of extracted text vs. the truth.

Run from the repository root with the project's venv:

    .venv/bin/python benchmarks/extraction/evaluate.py --format FORMAT [PATH]
        [--docs-list FILE] [--extractor NAME ...] [--ngram 4] [--limit N]
        [--per-page] [--json FILE]

    # trafilatura's own evaluation layout (snippets that must / must not appear)
    .venv/bin/python benchmarks/extraction/evaluate.py --format trafilatura \\
        /tmp/extraction-data/trafilatura --extractor trafilatura
    # documentation pages: the truth is the text of the page's one <main> element
    .venv/bin/python benchmarks/extraction/evaluate.py --format docs \\
        --docs-list /tmp/extraction-data/docs.txt --extractor trafilatura
    # ScrapingHub's article-extraction-benchmark checkout
    .venv/bin/python benchmarks/extraction/evaluate.py --format scrapinghub \\
        path/to/article-extraction-benchmark --extractor trafilatura

`--extractor` may be given several times. `trafilatura` is built in and means
`trafilatura.extract(html, output_format="txt", include_comments=False,
include_tables=True)`; anything else is `module:function` (e.g.
`apps.analyses.content.extract:main_text`), imported with the repository root on
sys.path (no Django setup), and called as `function(html: str, url: str) -> str`.
An extractor that raises on a page counts as an empty output for that page.

Dataset formats (`--format`):

- `scrapinghub`: a directory with `ground-truth.json` (item id -> {"articleBody": ...,
  "url": ...}) and `html/<id>.html.gz`. Scored like `evaluate.py` of ScrapingHub's
  article-extraction-benchmark repository (reimplemented here, not copied): the text is
  tokenised as the `\\w+` runs of a Unicode regex, tokens are joined into overlapping
  shingles of `--ngram` tokens (4 there; a text shorter than that is one shingle), and
  the shingle multisets of truth and prediction give tp = sum of min(counts), fp and fn the
  excesses. Each page's (tp, fp, fn) is normalised to sum to 1, so long pages weigh no
  more than short ones; precision is the mean over pages with tp + fp > 0 and recall over
  pages with tp + fn > 0 (a page with fp = fn = 0 scores 1), and F1 is the harmonic mean
  of those two means. `--ngram 1` gives plain token matching.
- `docs`: `.html` files given by a directory PATH and/or `--docs-list FILE` (one path a
  line). The truth is the text of the page's single `<main>` element, computed here with
  lxml from the file before any extractor sees the raw HTML; a file without exactly one
  `<main>` is skipped with a warning. Scored as `scrapinghub`.
- `trafilatura`: a directory with `pages/<file>` and `eval.json` (file -> {"with": [...],
  "without": [...]}), the layout of trafilatura's tests/cache + tests/evaldata.py. Scored
  like its tests/comparison_small.py: a "with" snippet found in the output (plain substring
  test) is a true positive, missing a false negative; a "without" snippet found is a false
  positive, absent a true negative; a None output counts every "with" as a false negative
  and every "without" as a true negative. The counts are summed over pages, then
  precision = tp/(tp+fp), recall = tp/(tp+fn), accuracy = (tp+tn)/all and
  F1 = 2tp/(2tp+fp+fn). The per-page mean of precision and recall is printed as well.

Besides the scores, each extractor row shows how many pages it was run on, how many gave an
empty output or raised, and the mean and median runtime per page in milliseconds (after one
untimed warm-up call on the first page).
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]

Extractor = Callable[[str, str], "str | None"]

# --------------------------------------------------------------------------- data


@dataclass
class Page:
    """One page of a dataset: its raw HTML and what the extraction is judged against."""

    page_id: str
    html: str
    url: str = ""
    truth: str = ""  # scrapinghub and docs formats
    with_snippets: list[str] = field(default_factory=list)  # trafilatura format
    without_snippets: list[str] = field(default_factory=list)


def decode_html(raw: bytes) -> str:
    """UTF-8 (with or without BOM) first, else cp1252, else Latin-1 (which never fails)."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def load_scrapinghub(root: Path) -> list[Page]:
    """`ground-truth.json` + `html/<id>.html.gz`."""
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for item_id in sorted(truth):
        entry = truth[item_id]
        raw = gzip.decompress((root / "html" / f"{item_id}.html.gz").read_bytes())
        pages.append(
            Page(
                page_id=item_id,
                html=decode_html(raw),
                url=entry.get("url") or "",
                truth=entry.get("articleBody") or "",
            )
        )
    return pages


def load_trafilatura(root: Path) -> list[Page]:
    """`eval.json` + `pages/<file>`."""
    spec = json.loads((root / "eval.json").read_text(encoding="utf-8"))
    pages = []
    for name in sorted(spec):
        entry = spec[name]
        pages.append(
            Page(
                page_id=name,
                html=decode_html((root / "pages" / name).read_bytes()),
                url=entry.get("url") or "",
                with_snippets=list(entry.get("with") or []),
                without_snippets=list(entry.get("without") or []),
            )
        )
    return pages


_SKIP_TAGS = {"script", "style", "noscript", "template"}
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th",
    "tr", "ul",
}  # fmt: skip


def element_text(element: Any) -> str:
    """Visible text of an lxml element; block elements are kept apart by newlines so that
    words of adjacent blocks do not run together into one token."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _SKIP_TAGS:
            if node.tail:
                parts.append(node.tail)
            return
        block = tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if tag and node.text:  # comments and processing instructions have no tag string
            parts.append(node.text)
        for child in node:
            walk(child)
        if block:
            parts.append("\n")
        if node.tail:
            parts.append(node.tail)

    walk(element)
    if element.tail:  # the element's own tail is outside it
        parts.pop()
    text = "".join(parts)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def load_docs(paths: Iterable[Path]) -> list[Page]:
    """HTML files whose truth is the text of their one `<main>` element."""
    import lxml.html  # a dependency of trafilatura

    pages = []
    for path in paths:
        html = decode_html(path.read_bytes())
        tree = lxml.html.document_fromstring(html.encode("utf-8"))
        mains = tree.xpath("//main")
        if len(mains) != 1:
            print(f"warning: {path}: {len(mains)} <main> elements, skipped", file=sys.stderr)
            continue
        pages.append(
            Page(page_id=str(path), html=html, url=path.as_uri(), truth=element_text(mains[0]))
        )
    return pages


def docs_paths(directory: Path | None, docs_list: Path | None) -> list[Path]:
    paths: list[Path] = []
    if directory is not None:
        paths.extend(sorted(directory.rglob("*.html")))
    if docs_list is not None:
        for line in docs_list.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                paths.append(Path(line.strip()))
    return paths


# --------------------------------------------------------------------------- extractors


def run_trafilatura(html: str, url: str) -> str | None:
    import trafilatura

    return trafilatura.extract(
        html, output_format="txt", include_comments=False, include_tables=True
    )


def load_extractor(spec: str) -> Extractor:
    """`trafilatura` or `module:function`; exits with a clear message if it cannot load."""
    if spec == "trafilatura":
        try:
            import trafilatura  # noqa: F401
        except ImportError as exc:
            sys.exit(f"error: extractor 'trafilatura': cannot import trafilatura ({exc})")
        return run_trafilatura
    module_name, sep, func_name = spec.partition(":")
    if not sep or not module_name or not func_name:
        sys.exit(f"error: extractor {spec!r}: expected 'trafilatura' or 'module:function'")
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # ImportError, or anything the module raises on import
        sys.exit(
            f"error: extractor {spec!r}: cannot import module {module_name!r}: "
            f"{type(exc).__name__}: {exc}"
        )
    func = getattr(module, func_name, None)
    if not callable(func):
        sys.exit(f"error: extractor {spec!r}: module {module_name!r} has no function {func_name!r}")
    return func  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- scoring

_TOKEN_RE = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int) -> Counter[tuple[str, ...]]:
    """Multiset of overlapping n-token shingles; a shorter text is one shingle."""
    tokens = _TOKEN_RE.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) <= n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def shingle_counts(truth: str, pred: str, n: int) -> tuple[float, float, float]:
    """Raw (tp, fp, fn) over shingles."""
    true_sh, pred_sh = shingles(truth, n), shingles(pred, n)
    tp = float(sum((true_sh & pred_sh).values()))
    fp = float(sum((pred_sh - true_sh).values()))
    fn = float(sum((true_sh - pred_sh).values()))
    return tp, fp, fn


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _mean(values: list[float]) -> float:
    return statistics.mean(values) if values else 0.0


@dataclass
class Result:
    """One extractor's run over a dataset."""

    name: str
    pages: int = 0
    empty: int = 0
    errors: int = 0
    times_ms: list[float] = field(default_factory=list)
    raw: list[tuple[float, float, float, float]] = field(default_factory=list)  # per page
    page_ids: list[str] = field(default_factory=list)


def score_text_page(truth: str, pred: str, n: int) -> tuple[float, float, float, float]:
    tp, fp, fn = shingle_counts(truth, pred, n)
    return tp, fp, fn, 0.0


def score_snippet_page(page: Page, pred: str | None) -> tuple[float, float, float, float]:
    """(tp, fp, fn, tn) of trafilatura's snippet evaluation."""
    tp = fp = fn = tn = 0
    if isinstance(pred, str):
        for snippet in page.with_snippets:
            if snippet in pred:
                tp += 1
            else:
                fn += 1
        for snippet in page.without_snippets:
            if snippet in pred:
                fp += 1
            else:
                tn += 1
    else:
        fn += len(page.with_snippets)
        tn += len(page.without_snippets)
    return float(tp), float(fp), float(fn), float(tn)


def text_metrics(raw: list[tuple[float, float, float, float]]) -> dict[str, float]:
    """ScrapingHub-style macro scores plus micro scores from the raw counts."""
    normalised = []
    for tp, fp, fn, _ in raw:
        total = tp + fp + fn
        normalised.append((tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0))
    precision = _mean([_precision(*c) for c in normalised if c[0] + c[1] > 0])
    recall = _mean([_recall(*c) for c in normalised if c[0] + c[2] > 0])
    page_f1 = [_f1(_precision(*c), _recall(*c)) for c in normalised]
    tp = sum(r[0] for r in raw)
    fp = sum(r[1] for r in raw)
    fn = sum(r[2] for r in raw)
    micro_p, micro_r = _precision(tp, fp, fn), _recall(tp, fp, fn)
    return {
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
        "mean_page_f1": _mean(page_f1),
        "micro_precision": micro_p,
        "micro_recall": micro_r,
        "micro_f1": _f1(micro_p, micro_r),
        "pages_f1_ge_0.9": float(sum(f >= 0.9 for f in page_f1)),
        "pages_f1_lt_0.5": float(sum(f < 0.5 for f in page_f1)),
    }


def snippet_metrics(raw: list[tuple[float, float, float, float]]) -> dict[str, float]:
    """trafilatura comparison scores (summed counts) plus per-page means."""
    tp, fp, fn, tn = (sum(r[i] for r in raw) for i in range(4))
    total = tp + fp + fn + tn
    page_p = [r[0] / (r[0] + r[1]) for r in raw if r[0] + r[1] > 0]
    page_r = [r[0] / (r[0] + r[2]) for r in raw if r[0] + r[2] > 0]
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "accuracy": (tp + tn) / total if total else 0.0,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
        "mean_page_precision": _mean(page_p),
        "mean_page_recall": _mean(page_r),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }


# --------------------------------------------------------------------------- running


def evaluate(name: str, extractor: Extractor, pages: list[Page], fmt: str, ngram: int) -> Result:
    result = Result(name=name)
    try:  # warm-up on the first page (imports, lazy set-up), neither timed nor scored
        extractor(pages[0].html, pages[0].url)
    except Exception:
        pass  # reported with the page itself below
    for page in pages:
        start = time.perf_counter()
        try:
            pred = extractor(page.html, page.url)
        except Exception as exc:
            print(
                f"warning: {name} raised on {page.page_id}: {type(exc).__name__}: {exc}",
                file=sys.stderr,
            )
            result.errors += 1
            pred = None
        result.times_ms.append((time.perf_counter() - start) * 1000)
        result.pages += 1
        result.page_ids.append(page.page_id)
        if not pred or not pred.strip():
            result.empty += 1
        if fmt == "trafilatura":
            result.raw.append(score_snippet_page(page, pred))
        else:
            result.raw.append(score_text_page(page.truth, pred or "", ngram))
    return result


def metrics_of(result: Result, fmt: str) -> dict[str, float]:
    metrics = snippet_metrics(result.raw) if fmt == "trafilatura" else text_metrics(result.raw)
    metrics["ms_per_page_mean"] = _mean(result.times_ms)
    metrics["ms_per_page_median"] = statistics.median(result.times_ms) if result.times_ms else 0.0
    return metrics


def print_report(results: list[Result], fmt: str, ngram: int, per_page: bool) -> None:
    width = max([11, *(len(r.name) for r in results)])
    if fmt == "trafilatura":
        print("scoring: trafilatura snippets (counts summed over pages)")
        header = (
            f"{'extractor':<{width}} {'pages':>5} {'empty':>5} {'err':>3} {'prec':>6} "
            f"{'recall':>6} {'F1':>6} {'acc':>6} {'pP':>6} {'pR':>6} "
            f"{'tp/fp/fn/tn':>15} {'ms mean':>8} {'ms med':>7}"
        )
    else:
        print(
            f"scoring: {ngram}-token shingles (P, R = mean over pages, F1 of those; "
            "micro = raw counts summed)"
        )
        header = (
            f"{'extractor':<{width}} {'pages':>5} {'empty':>5} {'err':>3} {'prec':>6} "
            f"{'recall':>6} {'F1':>6} {'pageF1':>6} {'mP':>6} {'mR':>6} {'mF1':>6} "
            f"{'>=.9':>4} {'<.5':>4} {'ms mean':>8} {'ms med':>7}"
        )
    print(header)
    for result in results:
        m = metrics_of(result, fmt)
        common = f"{result.name:<{width}} {result.pages:>5} {result.empty:>5} {result.errors:>3}"
        timing = f"{m['ms_per_page_mean']:>8.1f} {m['ms_per_page_median']:>7.1f}"
        if fmt == "trafilatura":
            counts = f"{m['tp']:.0f}/{m['fp']:.0f}/{m['fn']:.0f}/{m['tn']:.0f}"
            print(
                f"{common} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f} "
                f"{m['accuracy']:>6.3f} {m['mean_page_precision']:>6.3f} "
                f"{m['mean_page_recall']:>6.3f} {counts:>15} {timing}"
            )
        else:
            print(
                f"{common} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f} "
                f"{m['mean_page_f1']:>6.3f} {m['micro_precision']:>6.3f} "
                f"{m['micro_recall']:>6.3f} {m['micro_f1']:>6.3f} "
                f"{m['pages_f1_ge_0.9']:>4.0f} {m['pages_f1_lt_0.5']:>4.0f} {timing}"
            )
    if per_page:
        for result in results:
            print(f"\nper page: {result.name}")
            for page_id, counts, ms in zip(
                result.page_ids, result.raw, result.times_ms, strict=True
            ):
                tp, fp, fn, tn = counts
                if fmt == "trafilatura":
                    detail = f"tp={tp:.0f} fp={fp:.0f} fn={fn:.0f} tn={tn:.0f}"
                else:
                    p, r = _precision(tp, fp, fn), _recall(tp, fp, fn)
                    detail = f"P={p:.3f} R={r:.3f} F1={_f1(p, r):.3f}"
                print(f"  {detail}  {ms:7.1f} ms  {page_id}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", required=True, choices=("scrapinghub", "trafilatura", "docs"))
    parser.add_argument("path", nargs="?", type=Path, help="dataset directory")
    parser.add_argument("--docs-list", type=Path, help="docs format: file with one path a line")
    parser.add_argument(
        "--extractor",
        action="append",
        dest="extractors",
        help="'trafilatura' or module:function; repeatable (default trafilatura)",
    )
    parser.add_argument("--ngram", type=int, default=4, help="shingle length (default 4)")
    parser.add_argument("--limit", type=int, help="only the first N pages")
    parser.add_argument("--per-page", action="store_true", help="print each page's scores")
    parser.add_argument("--json", type=Path, help="also write the metrics as JSON here")
    args = parser.parse_args(argv)

    if args.format == "docs":
        if args.path is None and args.docs_list is None:
            parser.error("--format docs needs a directory or --docs-list")
        pages = load_docs(docs_paths(args.path, args.docs_list))
    elif args.path is None:
        parser.error(f"--format {args.format} needs a dataset directory")
    elif args.format == "scrapinghub":
        pages = load_scrapinghub(args.path)
    else:
        pages = load_trafilatura(args.path)
    if args.limit is not None:
        pages = pages[: args.limit]
    if not pages:
        print("error: no pages loaded", file=sys.stderr)
        return 1

    specs = args.extractors or ["trafilatura"]
    extractors = [(spec, load_extractor(spec)) for spec in specs]  # fail before any run
    print(f"dataset: {args.format}, {len(pages)} pages")
    results = [evaluate(spec, func, pages, args.format, args.ngram) for spec, func in extractors]
    print_report(results, args.format, args.ngram, args.per_page)
    if args.json:
        payload = {r.name: metrics_of(r, args.format) for r in results}
        args.json.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
