"""Content measures: words, language, readability by language, fingerprints."""

import random
import re
from collections import Counter

import pyphen
import pytest
from trafilatura.deduplication import Simhash

from apps.analyses.content import THIN_CONTENT_WORDS, hamming_similarity, measure
from apps.analyses.content.metrics import FLESCH, _flesch, is_near_duplicate, simhash

PLAIN = ("The cat sat on the mat. The dog ran to the park. We like the sun. "
         "It is warm and the sky is blue. " * 4)
HARD = ("Institutional accountability necessitates comprehensive documentation of "
        "administrative responsibilities, organisational communication and operational "
        "considerations. Contemporary governance frameworks increasingly emphasise "
        "transparency, participation and sustainability throughout international "
        "collaboration. ") * 3
GERMAN = ("Der Laden ist an sechs Tagen in der Woche geöffnet und am Sonntag geschlossen. "
          "Sie können uns besuchen, anrufen oder eine Nachricht über die Kontaktseite "
          "schicken. Wir beantworten jede Nachricht möglichst am selben Tag. ") * 3


def test_plain_english_reads_easy_and_dense_english_reads_hard():
    plain, hard = measure(PLAIN, "en"), measure(HARD, "en")
    assert plain.grade < 3 and plain.reading_ease > 90
    assert hard.grade > 16 and hard.reading_ease < 10
    assert plain.lix < 30 < 60 < hard.lix


def test_flesch_kincaid_follows_its_formula():
    text = "Go home now. " * 12  # 36 one-syllable words, 12 sentences
    metrics = measure(text, "en")
    assert metrics.words == 36 and metrics.sentences == 12
    assert metrics.grade == 0.0  # 0.39*3 + 11.8*1 - 15.59 < 0, clamped
    assert metrics.reading_ease == round(206.835 - 1.015 * 3 - 84.6 * 1, 1)


def test_german_gets_amstads_flesch_and_lix_but_no_english_grade():
    metrics = measure(GERMAN, "de")
    assert metrics.language == "de" and metrics.language_matches is True
    assert metrics.grade is None and metrics.reading_ease is not None and metrics.lix > 0
    assert FLESCH["de"] == (180.0, 1.0, 58.5)


def test_the_declared_language_is_compared_by_primary_subtag():
    assert measure(PLAIN, "en-GB").language_matches is True
    assert measure(GERMAN, "en").language_matches is False
    assert measure(PLAIN, None).language_matches is None
    assert measure("Too short to tell.", "en").language is None


@pytest.mark.parametrize(("words", "thin"), [(THIN_CONTENT_WORDS - 1, True),
                                             (THIN_CONTENT_WORDS, False)])
def test_thin_content_is_below_the_documented_word_count(words, thin):
    assert measure(" ".join(["word"] * words), "en").thin is thin


def test_fingerprints_find_near_duplicates_and_tell_different_texts_apart():
    base = measure(PLAIN + HARD, "en").simhash
    edited = measure(PLAIN + HARD.replace("governance", "management", 1), "en").simhash
    other = measure(GERMAN * 2, "de").simhash
    assert is_near_duplicate(base, edited) and hamming_similarity(base, edited) >= 0.95
    assert not is_near_duplicate(base, other)
    assert measure("a few words only", "en").simhash is None


def _texts():
    """Texts of every shape the fingerprint meets: prose, repeats, short, no tokens,
    non-Latin punctuation, one token many times."""
    rng = random.Random(7)
    vocabulary = [f"word{i}" for i in range(300)] + ["the", "and", "Überprüfung", "café"]
    yield from ("", "   ", "a b c", "。。。", "中文。测试！", "same " * 500, "x" * 40)
    for n in (5, 31, 32, 33, 64, 200, 3000):
        yield " ".join(rng.choice(vocabulary) for _ in range(n))
    yield "Hello, world! " * 40 + "Another sentence, with punctuation; and more."
    marked = ["(word)", "'quoted'", "a-b", "end.", "...", "--", "x", "ab", "abc", "abcd",
              "abcde", "naïve", "2026", "e-mail", "¿qué?", "«ça»", "über,", "dot.com"]
    for n in (10, 40, 70, 150, 600):
        yield " ".join(rng.choice(marked + vocabulary[:20]) for _ in range(n))
    yield "\n\t".join(rng.choice(marked) for _ in range(100))
    # Exactly 32 tokens above each length threshold, then one short of it.
    for long_ones in (31, 32, 33):
        yield " ".join([f"longword{i}" for i in range(long_ones)] + ["abcd", "abc!", "ab"] * 5)


def test_the_fast_fingerprint_is_trafilaturas_bit_for_bit():
    for text in _texts():
        assert simhash(text) == Simhash(text).hash, text[:40]


def test_syllables_counted_per_distinct_word_match_counting_each_word():
    words = ("The quick brown fox jumps over the lazy dog again and again 2026 "
             "Extraordinary ordinary words Words WORDS").split() * 7
    hyphenator = pyphen.Pyphen(lang="en")
    syllables = sum(1 if w.isdigit() else len(hyphenator.positions(w.lower())) + 1
                    for w in words)
    per_sentence, per_word = len(words) / 3, syllables / len(words)
    ease, grade = _flesch(Counter(words), len(words), 3, "en")
    assert ease == round(206.835 - 1.015 * per_sentence - 84.6 * per_word, 1)
    assert grade == max(0.0, round(0.39 * per_sentence + 11.8 * per_word - 15.59, 1))


def test_lix_counts_long_words_per_distinct_word_as_in_the_whole_text():
    text = ("Extraordinary words and abcdefg123hijklmn, under_scored_words, naïvetés "
            "régulièrement. Short ones too. Extraordinary again! ") * 9
    words, sentences = re.findall(r"\w+", text), 27
    long_words = len(re.findall(r"[^\W\d_]{7,}", text))
    metrics = measure(text, "en")
    assert metrics.sentences == sentences
    assert metrics.lix == round(len(words) / sentences + 100 * long_words / len(words), 1)


def test_prose_apart_from_the_text_is_measured_on_its_own_words():
    code = "x = compute_value(argument_one, argument_two) " * 40
    with_code, prose_only = measure(PLAIN + code, "en", PLAIN), measure(PLAIN, "en")
    assert with_code.words > prose_only.words
    assert (with_code.lix, with_code.grade, with_code.reading_ease) == (
        prose_only.lix, prose_only.grade, prose_only.reading_ease)
