"""robots.txt validity, as Lighthouse's robots-txt audit validates it."""

from __future__ import annotations

import pytest

from apps.web.robots_lint import validate_robots_txt

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
