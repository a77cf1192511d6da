"""Typed options and the one validation of an analysis request."""

import pytest

from apps.analyses.options import AnalysisOptions, AnalysisRequestSerializer, InvalidOptions


def _validate(**data):
    serializer = AnalysisRequestSerializer(data={"url": "https://example.com/", **data})
    return serializer, serializer.is_valid()


def test_options_survive_the_round_trip_through_json():
    options = AnalysisOptions(max_pages=7, include=("/docs/",), user_agent="Bot/1")
    assert AnalysisOptions.from_json(options.to_json()) == options


def test_stored_options_with_an_unknown_key_are_an_error():
    with pytest.raises(InvalidOptions, match="surprise"):
        AnalysisOptions.from_json({"max_pages": 3, "surprise": 1})


def test_stored_options_without_a_newer_key_take_its_default():
    assert AnalysisOptions.from_json({"max_pages": 3}) == AnalysisOptions(max_pages=3)


def test_stored_options_of_the_wrong_shape_are_an_error():
    with pytest.raises(InvalidOptions):
        AnalysisOptions.from_json({"max_pages": 3, "include": None, "exclude": 5})


def test_it_builds_the_crawl_options_from_them():
    crawl = AnalysisOptions(max_pages=9, exclude=("x",)).crawl_options()
    assert (crawl.max_pages, crawl.exclude, crawl.user_agent.startswith("SitelensBot")) == (
        9, ["x"], True)


def test_a_request_gets_defaults_and_a_normalised_url():
    serializer, valid = _validate(url="HTTPS://Example.COM")
    assert valid
    request = serializer.to_request()
    assert request.url == "https://example.com/"
    assert request.options == AnalysisOptions()


def test_waiting_limits_max_pages_and_defaults_it_to_ten():
    serializer, valid = _validate(wait=5)
    assert valid and serializer.to_request().options.max_pages == 10
    serializer, valid = _validate(wait=5, max_pages=11)
    assert not valid and "max_pages" in serializer.errors
    serializer, valid = _validate(wait=31)
    assert not valid and "wait" in serializer.errors


def test_a_saved_credential_and_inline_auth_are_not_both_allowed():
    serializer, valid = _validate(credential=1, auth={"kind": "cookie", "cookie": "a=b"})
    assert not valid and "auth" in serializer.errors


@pytest.mark.parametrize("auth, field", [
    ({"kind": "basic", "username": "ann"}, "password"),
    ({"kind": "basic", "username": "a:b", "password": "x"}, "username"),
    ({"kind": "header", "header": "Host", "value": "evil"}, "header"),
    ({"kind": "header", "header": "X-Token", "value": "a\r\nX-Evil: 1"}, "value"),
    ({"kind": "cookie", "cookie": "a=b", "password": "x"}, "password"),
    ({"kind": "token"}, "kind"),
])
def test_it_refuses_unusable_inline_auth(auth, field):
    serializer, valid = _validate(auth=auth)
    assert not valid and field in serializer.errors["auth"]


def test_it_refuses_unknown_fields_by_name():
    serializer, valid = _validate(max_page=3)
    assert not valid and "max_page" in serializer.errors
