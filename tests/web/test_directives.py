"""The one robots-directives parser (meta robots + X-Robots-Tag)."""

import pytest

from apps.web.directives import RobotsDirectives


def _meta(name: str, content: str) -> tuple[str, str, None]:
    return (name, content, None)


def parse(metas=(), headers=(), agents=("googlebot", "sitelensbot")) -> RobotsDirectives:
    return RobotsDirectives.parse(list(metas), list(headers), agents=agents)


@pytest.mark.parametrize("content", ["noindex nofollow", "noindex, nofollow", "NOINDEX,NoFollow",
                                     "  noindex ,  nofollow  ", "none", "None"])
def test_it_reads_comma_or_space_separated_directives_in_any_case(content):
    generic = parse([_meta("robots", content)]).for_agent("sitelensbot")
    assert generic.noindex and generic.nofollow


@pytest.mark.parametrize("content", ["all", "index, follow", "", "noarchive nosnippet"])
def test_it_restricts_nothing_for_permissive_directives(content):
    directives = parse([_meta("robots", content)]).for_agent("googlebot")
    assert not directives.noindex and not directives.nofollow


def test_a_bot_specific_meta_applies_to_that_bot_only():
    parsed = parse([_meta("googlebot", "noindex")])
    assert parsed.for_agent("googlebot").noindex
    assert not parsed.for_agent("sitelensbot").noindex


def test_meta_names_are_case_insensitive_and_others_are_ignored():
    parsed = parse([_meta("ROBOTS", "nofollow"), _meta("description", "noindex"),
                    _meta("otherbot", "noindex")])
    assert parsed.for_agent("sitelensbot").nofollow
    assert not parsed.for_agent("sitelensbot").noindex


def test_directives_from_every_source_add_up():
    parsed = parse([_meta("robots", "nofollow"), _meta("googlebot", "noindex")])
    googlebot = parsed.for_agent("googlebot")
    assert googlebot.noindex and googlebot.nofollow
    assert [s.agent for s in googlebot.sources] == ["robots", "googlebot"]


def test_it_reads_several_header_lines_separately():
    parsed = parse(headers=["googlebot: nofollow", "noindex"])
    assert parsed.for_agent("sitelensbot").noindex  # the second line is for everyone
    assert not parsed.for_agent("sitelensbot").nofollow
    assert parsed.for_agent("googlebot").nofollow


def test_a_header_line_may_switch_bots():
    parsed = parse(headers=["googlebot: noindex, sitelensbot: nofollow"])
    assert parsed.for_agent("googlebot").noindex and not parsed.for_agent("googlebot").nofollow
    assert parsed.for_agent("sitelensbot").nofollow and not parsed.for_agent("sitelensbot").noindex


def test_a_valued_directive_is_not_a_bot_name():
    parsed = parse(headers=["unavailable_after: 25 Jun 2010 15:00:00 PST, noindex"])
    generic = parsed.for_agent("sitelensbot")
    assert generic.noindex
    source = generic.sources[0]
    assert source.agent == "robots"
    assert dict(source.values) == {"unavailable_after": "25 Jun 2010 15:00:00 PST"}


def test_header_directives_without_a_bot_are_generic():
    parsed = parse(headers=["NoIndex"])
    assert parsed.for_agent("googlebot").noindex and parsed.for_agent("anybot").noindex


def test_it_keeps_the_meta_element_for_selectors():
    element = object()
    parsed = RobotsDirectives.parse([("robots", "noindex", element)], [], agents=())
    assert parsed.for_agent("x").sources[0].element is element
