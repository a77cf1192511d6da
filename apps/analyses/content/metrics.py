"""Content measures of one page's main content: words, language, readability, fingerprint.

* **Words**: runs of letters or digits (`\\w+`); CJK text, written without spaces,
  is undercounted.
* **Language**: py3langid (a modernised langid.py, Lui & Baldwin 2012, 97
  languages) on the main content's first 5 000 characters, from 20 words on; compared with the primary
  subtag of the declared `<html lang>`.
* **Readability** (from 30 words and 2 sentences on), by language:
  - English: Flesch reading ease (Flesch 1948: 206.835 − 1.015·words/sentence −
    84.6·syllables/word) and Flesch–Kincaid grade level (Kincaid et al. 1975:
    0.39·words/sentence + 11.8·syllables/word − 15.59).
  - German, Spanish, French, Italian, Dutch: Flesch reading ease with the
    language's published constants (`FLESCH`: Amstad 1978, Fernández Huerta 1959,
    Kandel & Moles 1958, Flesch–Vacca 1972, Douma 1960).
  - Syllables are counted as hyphenation points + 1 with the language's Hunspell
    hyphenation patterns (pyphen), as readability tools long did; it undercounts
    a little (short words are not hyphenated), so grades read slightly low.
  - Every language: LIX (Björnsson 1968): words/sentences + 100·long words/words,
    a long word having more than six letters; below 30 very easy, 30–40 easy,
    40–50 medium, 50–60 difficult, above 60 very difficult.
* **Fingerprint**: a 64-bit simhash (Charikar 2002) of the main content, as
  trafilatura computes it; pages whose fingerprints differ in at most
  `NEAR_DUPLICATE_BITS` bits are near-duplicates (Manku, Jain & Das Sarma 2007
  found 3 of 64 bits right for web pages).
"""

from __future__ import annotations

import re
import string
import threading
from collections import Counter
from dataclasses import asdict, dataclass
from functools import lru_cache
from hashlib import blake2b
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyphen import Pyphen


THIN_CONTENT_WORDS = 200  # below this, a page's main content is thin (Screaming Frog's default)
MIN_WORDS_LANGUAGE = 20
MIN_WORDS_READABILITY = 30
NEAR_DUPLICATE_BITS = 3
NEAR_DUPLICATE_MIN_WORDS = 50  # short pages share too few tokens for a fingerprint to mean much

_WORD = re.compile(r"\w+", re.UNICODE)
_LONG_WORD = re.compile(r"[^\W\d_]{7,}", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?…。！？]+(?:\s|$)|\n\s*\n")
# Flesch reading ease per language: base − a·words/sentence − b·syllables/word.
FLESCH: dict[str, tuple[float, float, float]] = {
    "en": (206.835, 1.015, 84.6),  # Flesch 1948
    "de": (180.0, 1.0, 58.5),  # Amstad 1978
    "es": (206.84, 1.02, 60.0),  # Fernández Huerta 1959
    "fr": (207.0, 1.015, 73.6),  # Kandel & Moles 1958
    "it": (217.0, 1.3, 60.0),  # Flesch–Vacca 1972
    "nl": (206.84, 0.93, 77.0),  # Douma 1960
}
_hyphenators: dict[str, Pyphen] = {}
_hyphenators_lock = threading.Lock()


@dataclass(frozen=True)
class ContentMetrics:
    words: int
    sentences: int
    language: str | None  # detected, ISO 639-1
    language_declared: str | None  # primary subtag of <html lang>, lower-cased
    language_matches: bool | None  # None when either is unknown
    reading_ease: float | None  # Flesch (language-specific constants)
    grade: float | None  # Flesch–Kincaid grade level (English only)
    lix: float | None
    thin: bool
    simhash: str | None  # 16 hex digits

    def as_dict(self) -> dict:
        return asdict(self)


def _sentences(text: str) -> int:
    return max(1, sum(1 for _ in _SENTENCE_END.finditer(text.strip())))


def measure(text: str, declared_lang: str | None, prose: str | None = None) -> ContentMetrics:
    """The measures of one page's main content `text` (see the module docstring);
    readability reads `prose` (the text without code blocks and tables) when given.

    The text is split into words once per text: the prose is usually the whole text
    (a page without code or tables) and then shares its words and sentences, and the
    long words and syllables are counted once per distinct word."""
    words = _WORD.findall(text)
    count = len(words)
    sentences = _sentences(text) if count else 0
    declared = _primary(declared_lang)
    language = detect_language(text) if count >= MIN_WORDS_LANGUAGE else None
    matches = None if language is None or declared is None else language == declared
    ease = grade = lix = None
    if prose is None or prose == text:
        prose_words, prose_sentences = words, sentences
    else:
        prose_words = _WORD.findall(prose)
        prose_sentences = _sentences(prose) if prose_words else 0
    if len(prose_words) >= MIN_WORDS_READABILITY and prose_sentences >= 2:
        distinct = Counter(prose_words)
        long_words = sum(n * len(_LONG_WORD.findall(word)) for word, n in distinct.items())
        lix = round(len(prose_words) / prose_sentences + 100 * long_words / len(prose_words), 1)
        lang = language or declared
        if lang in FLESCH:
            ease, grade = _flesch(distinct, len(prose_words), prose_sentences, lang)
    fingerprint = f"{simhash(text):016x}" if count >= NEAR_DUPLICATE_MIN_WORDS else None
    return ContentMetrics(
        words=count, sentences=sentences, language=language, language_declared=declared,
        language_matches=matches, reading_ease=ease, grade=grade, lix=lix,
        thin=count < THIN_CONTENT_WORDS, simhash=fingerprint,
    )


def measure_page(page, content) -> ContentMetrics:
    """`measure` for a crawled page's extracted main content (`MainContent`)."""
    document = page.document
    declared = document.tree.get("lang") if document is not None else None
    return measure(content.text, declared, content.prose)


LANGUAGE_SAMPLE_CHARS = 5000  # langid's accuracy is flat long before this (Lui & Baldwin 2012)


WARM_HYPHENATION = ("en",)


def warm() -> None:
    """Load what the measures load lazily: py3langid's model (about 70 MiB of arrays)
    and English hyphenation patterns. A process that forks workers calls it first, so
    they share one copy instead of each loading its own. The other readability
    languages' patterns are loaded by a worker when it meets such a page: all of them
    would add 26 MiB (German's alone 16) to a pool that most sites, written in one
    language, never use."""
    detect_language("warm up the language model")
    for lang in WARM_HYPHENATION:
        _hyphenator(lang)


def detect_language(text: str) -> str | None:
    """The language of the first LANGUAGE_SAMPLE_CHARS characters: its cost grows with
    the text, its answer does not (it took 13 % of a page's analysis at 20 000)."""
    import py3langid  # imported where used: the analysis's process never loads it

    code, _score = py3langid.classify(text[:LANGUAGE_SAMPLE_CHARS])
    return code or None


def hamming_similarity(a: str, b: str) -> float:
    """Similarity of two simhash fingerprints: shared bits / 64 (trafilatura's
    `Simhash.similarity`)."""
    return (SIMHASH_BITS - (int(a, 16) ^ int(b, 16)).bit_count()) / SIMHASH_BITS


def is_near_duplicate(a: str, b: str) -> bool:
    return (int(a, 16) ^ int(b, 16)).bit_count() <= NEAR_DUPLICATE_BITS


def _primary(lang: str | None) -> str | None:
    lang = (lang or "").strip().lower().replace("_", "-")
    primary = lang.split("-")[0]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


SIMHASH_BITS = 64


@lru_cache(maxsize=2**16)
def _set_bits(token: str) -> tuple[int, ...]:
    """The bits set in a token's 64-bit hash (blake2b, as trafilatura hashes it)."""
    value = int.from_bytes(blake2b(token.encode(), digest_size=8).digest(), "big")
    return tuple(i for i in range(SIMHASH_BITS) if value >> i & 1)


def simhash(text: str) -> int:
    """trafilatura's Simhash of `text`, bit for bit, counted per distinct token.

    trafilatura adds a ±1 vector per token occurrence (64 additions each); a bit is
    set when its sum is >= 0, that is when at least half of the tokens have it. Counting
    each distinct token once, times its occurrences, gives the same sums for a fraction
    of the work (a test compares the two on many texts). The tokens are trafilatura's
    (`sample_tokens`: whitespace-split, punctuation stripped, alphanumeric ones kept,
    then only those longer than the longest threshold that leaves half the bits'
    worth), cleaned here once per distinct raw token: the sum does not depend on order.
    """
    counts: Counter[str] = Counter()
    for raw, occurrences in Counter(text.split()).items():
        token = _clean_token(raw)
        if token is not None:
            counts[token] += occurrences
    if not counts:  # no Latin-punctuated tokens (e.g. CJK): trafilatura's own fallback
        from trafilatura.deduplication import sample_tokens

        counts = Counter(sample_tokens(text, SIMHASH_BITS))
    else:
        for shorter_than in range(4, 0, -1):
            sample = {t: n for t, n in counts.items() if len(t) > shorter_than}
            if sum(sample.values()) >= SIMHASH_BITS / 2:
                counts = sample
                break
    total = sum(counts.values())
    per_bit = [0] * SIMHASH_BITS
    for token, occurrences in counts.items():
        for bit in _set_bits(token):
            per_bit[bit] += occurrences
    return sum(1 << bit for bit in range(SIMHASH_BITS) if 2 * per_bit[bit] >= total)


@lru_cache(maxsize=2**16)
def _clean_token(raw: str) -> str | None:
    """A whitespace-separated token as `sample_tokens` keeps it, or None if it drops it."""
    token = raw.strip(string.punctuation)
    return token if token.isalnum() else None


def _hyphenator(lang: str) -> Pyphen:
    import pyphen

    with _hyphenators_lock:
        hyphenator = _hyphenators.get(lang)
        if hyphenator is None:
            hyphenator = _hyphenators[lang] = pyphen.Pyphen(lang=lang)
    return hyphenator


@lru_cache(maxsize=2**17)
def _syllables(word: str, lang: str) -> int:
    """Hyphenation points + 1 of a lower-cased word; the same words recur on every page
    of a site, so they are counted once per process."""
    if word.isdigit():
        return 1
    return len(_hyphenator(lang).positions(word)) + 1


def _flesch(distinct: Counter[str], words: int, sentences: int, lang: str
            ) -> tuple[float, float | None]:
    """Flesch reading ease (and the Flesch–Kincaid grade in English) of `words` words
    whose distinct forms and counts are `distinct`."""
    per_sentence = words / sentences
    syllables = sum(n * _syllables(word.lower(), lang) for word, n in distinct.items())
    per_word = syllables / words
    base, a, b = FLESCH[lang]
    ease = round(base - a * per_sentence - b * per_word, 1)
    grade = max(0.0, round(0.39 * per_sentence + 11.8 * per_word - 15.59, 1)) \
        if lang == "en" else None
    return ease, grade
