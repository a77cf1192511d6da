"""robots.txt validity, as Lighthouse's robots-txt audit validates it."""

from __future__ import annotations

import pytest

from apps.web.robots_lint import validate_robots_txt


def errors_of(text: str) -> list[tuple[int, str]]:
    return [(error.line_number, error.message) for error in validate_robots_txt(text)]

VALID = """# comment
User-agent: *
Disallow: /private/
Allow: /private/open$
Disallow:
Crawl-delay: 2
Sitemap: https://example.com/sitemap.xml

user-agent: Googlebot # trailing comment
disallow: *.pdf$
Content-Signal: search=yes
"""


def test_a_valid_file_has_no_errors():
    assert validate_robots_txt(VALID) == []


@pytest.mark.parametrize(("line", "message"), [
    ("Disalow: /x", "Unknown directive"),
    ("just words", "Syntax not understood"),
    ("Sitemap: /sitemap.xml", "Invalid sitemap URL"),
    ("Sitemap: mailto:a@example.com", "Invalid sitemap URL protocol"),
    ("User-agent:", "No user-agent specified"),
    ("Disallow: private", 'Pattern should either be empty, start with "/" or "*"'),
    ("Disallow: /a$b", '"$" should only be used at the end of the pattern'),
])
def test_each_kind_of_error_is_reported_with_its_line(line, message):
    errors = validate_robots_txt(f"User-agent: *\nDisallow: /ok\n{line}\n")
    assert [(e.line_number, e.line, e.message) for e in errors] == [(3, line, message)]


def test_rules_before_any_user_agent_are_errors_and_crlf_lines_count():
    errors = validate_robots_txt("Disallow: /a\r\nAllow: /b\r\nUser-agent: *\r\nDisallow: /c")
    assert [(e.line_number, e.message) for e in errors] == [
        (1, "No user-agent specified"), (2, "No user-agent specified")]


def test_an_invalid_user_agent_line_does_not_open_a_group():
    errors = validate_robots_txt("User-agent:\nDisallow: /a\n")
    assert [e.message for e in errors] == ["No user-agent specified"] * 2


def test_it_accepts_a_valid_file_with_comments_and_blank_lines():
    text = (
        "# hello\n\nUser-agent: *\nDisallow: /private/ # trailing comment\nAllow: *.css$\n"
        "Disallow:\nCrawl-delay: 5\nSitemap: https://example.com/sitemap.xml\n"
        "sitemap: ftp://example.com/s.xml\nHOST: example.com\nContent-Signal: search=yes\n"
    )
    assert errors_of(text) == []


def test_it_accepts_an_empty_file():
    assert errors_of("") == []


def test_it_flags_a_line_without_a_colon():
    assert errors_of("User-agent: *\nDisallow /x") == [(2, "Syntax not understood")]


def test_it_flags_an_unknown_directive():
    assert errors_of("User-agent: *\nDisalow: /x") == [(2, "Unknown directive")]


def test_it_flags_an_empty_user_agent():
    assert errors_of("User-agent:\nDisallow: /") == [
        (1, "No user-agent specified"),
        (2, "No user-agent specified"),
    ]


def test_it_flags_allow_and_disallow_before_any_user_agent():
    text = "Disallow: /a\nAllow: /b\nSitemap: https://example.com/s.xml\nUser-agent: *\nAllow: /c"
    assert errors_of(text) == [
        (1, "No user-agent specified"),
        (2, "No user-agent specified"),
    ]


@pytest.mark.parametrize("pattern", ["private", "?q=", "-x"])
def test_it_flags_a_pattern_not_starting_with_slash_or_star(pattern):
    assert errors_of(f"User-agent: *\nDisallow: {pattern}") == [
        (2, 'Pattern should either be empty, start with "/" or "*"')
    ]


def test_it_flags_a_dollar_before_the_end_of_a_pattern():
    assert errors_of("User-agent: *\nAllow: /a$b") == [
        (2, '"$" should only be used at the end of the pattern')
    ]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("/sitemap.xml", "Invalid sitemap URL"),
        ("https://", "Invalid sitemap URL"),
        ("https://example.com:99999/s.xml", "Invalid sitemap URL"),
        ("mailto:sitemaps@example.com", "Invalid sitemap URL protocol"),
        ("file:///sitemap.xml", "Invalid sitemap URL protocol"),
    ],
)
def test_it_flags_an_invalid_sitemap(url, problem):
    assert errors_of(f"Sitemap: {url}") == [(1, problem)]


def test_it_numbers_lines_across_every_line_ending():
    assert errors_of("User-agent: *\r\nfoo\rbar: 1\nbaz") == [
        (2, "Syntax not understood"),
        (3, "Unknown directive"),
        (4, "Syntax not understood"),
    ]
