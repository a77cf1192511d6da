"""Goal terms: the words of a goal, stemmed, each with its fixed synonyms.

A goal "compare camera rental prices" becomes term groups {compar, …}, {camera},
{rental, rent, hire, …}, {price, pricing, cost, fee, plan, …}: a page or a link
"carries the scent" of a group when one of its stems appears in its words.
Stemming is Snowball's (Porter 2001) for the reader's language.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_LANGUAGES = {"en": "english", "de": "german", "fr": "french", "es": "spanish",
              "it": "italian", "nl": "dutch", "pt": "portuguese", "sv": "swedish",
              "da": "danish", "no": "norwegian", "fi": "finnish"}

STOPWORDS = frozenset("""
a about an and any are as at be been best but by can could do does find for from get
good how i in into is it its just me more my need of on or our out over page site so
some than that the their them then there these this to up use want way we what when
where which who why will with without would you your
""".split())

# Fixed synonym groups (English). A goal word in a group brings the whole group.
SYNONYMS: tuple[frozenset[str], ...] = tuple(frozenset(group.split()) for group in (
    "price prices pricing cost costs fee fees plan plans rate rates tariff charge charges "
    "quote quotes",
    "buy purchase order checkout cart basket shop shopping",
    "rent rental rentals hire lease borrow",
    "contact support help phone call email message",
    "signup sign register registration account join subscribe",
    "compare comparison versus",
    "book booking reserve reservation appointment",
    "delivery shipping post postage dispatch",
    "return returns refund refunds exchange cancel cancellation",
    "job jobs career careers vacancy vacancies hiring",
    "about team company story history",
    "privacy data cookies gdpr",
    "docs documentation guide manual tutorial reference",
    "download install setup",
    "login log signin",
    "location address directions map opening hours",
))
# Goals that are about paying for something: trust then asks for a pricing page.
COMMERCIAL = frozenset("price buy rent book order subscribe quote".split())


@lru_cache(maxsize=16)
def _stemmer(language: str):
    return snowballstemmer.stemmer(_LANGUAGES.get(language, "english"))


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text or "")]


def stems(text: str, language: str = "en") -> set[str]:
    return set(_stemmer(language).stemWords(words(text)))


def goal_groups(goal: str, language: str = "en") -> list[frozenset[str]]:
    """One stem set per meaningful goal word (synonyms included), in goal order,
    merged when two words share a synonym group."""
    stemmer = _stemmer(language)
    groups: list[frozenset[str]] = []
    for word in words(goal):
        if word in STOPWORDS or len(word) < 3:
            continue
        members = {word}
        for synonyms in SYNONYMS:
            if word in synonyms or stemmer.stemWord(word) in stemmer.stemWords(sorted(synonyms)):
                members |= synonyms
        group = frozenset(stemmer.stemWords(sorted(members)))
        if not any(group & existing for existing in groups):
            groups.append(group)
        else:
            groups = [existing | group if group & existing else existing for existing in groups]
    return groups


def is_commercial(groups: list[frozenset[str]], language: str = "en") -> bool:
    commercial = set(_stemmer(language).stemWords(sorted(COMMERCIAL)))
    return any(group & commercial for group in groups)


def matched(groups: list[frozenset[str]], page_stems: set[str]) -> list[int]:
    """Indexes of the goal groups that `page_stems` carry."""
    return [index for index, group in enumerate(groups) if group & page_stems]
