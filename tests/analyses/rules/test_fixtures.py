"""Every rule fixture: the rule flags exactly the marked elements, with the marked outcome.

See tests/support/rule_fixtures.py for the fixture format.
"""

from __future__ import annotations

import pytest

from apps.analyses.analyzers import all_rules
from tests.support.rule_fixtures import (
    all_fixtures,
    describe,
    expected,
    outcome_of,
    resolve,
    rule_findings,
)

FIXTURES = all_fixtures()


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name for f in FIXTURES])
def test_rule_flags_exactly_the_marked_elements(fixture):
    assert fixture.rule_id in {r.id for r in all_rules()}, f"no rule {fixture.rule_id!r}"
    findings, page = rule_findings(fixture)
    got: dict = {}
    for finding in findings:
        matched = resolve(finding.selector, page)
        assert len(matched) == 1, f"{finding.selector!r} matches {len(matched)} elements"
        got[matched[0]] = outcome_of(finding)
    want = expected(page)
    wrong = {describe(el): (got.get(el), want.get(el)) for el in set(got) | set(want)
             if got.get(el) != want.get(el)}
    assert wrong == {}, "element: (reported, expected)"


def test_every_fixture_marks_something_or_is_a_pass_case():
    """A fixture named *.pass*.html may flag nothing; every other one marks a failure."""
    for fixture in FIXTURES:
        findings, page = rule_findings(fixture)
        if ".pass" not in fixture.name:
            assert expected(page), f"{fixture.name} marks no failing element"
