"""Accessibility rules: one failing and one passing fixture per behaviour."""

from __future__ import annotations

import pytest

from apps.analyses.analyzers.accessibility import is_valid_lang
from apps.analyses.analyzers.structure import viewport_scale_problem
from tests.analyses.analyzers.helpers import body_findings, findings, html_doc


def selectors(found) -> list[str]:
    return [f.selector for f in found]


# image-alt


def test_it_flags_an_image_without_alt():
    assert selectors(body_findings("image-alt", '<img id="hero" src="a.png">')) == ["#hero"]


@pytest.mark.parametrize(
    "img",
    [
        '<img src="a.png" alt="A red bike">',
        '<img src="a.png" alt="">',
        '<img src="a.png" role="presentation">',
        '<img src="a.png" role="none">',
        '<img src="a.png" aria-label="A red bike">',
        '<img src="a.png" title="A red bike">',
        '<span id="cap">A red bike</span><img src="a.png" aria-labelledby="cap">',
    ],
)
def test_it_accepts_an_image_with_a_text_alternative_or_presentational_role(img):
    assert body_findings("image-alt", img) == []


def test_it_flags_an_image_whose_alt_is_only_whitespace():
    (finding,) = body_findings("image-alt", '<img src="a.png" alt=" ">')
    assert "whitespace" in finding.message


def test_it_flags_an_image_whose_labelledby_target_is_missing():
    assert len(body_findings("image-alt", '<img src="a.png" aria-labelledby="nope">')) == 1


def test_it_skips_images_inside_hidden_subtrees():
    body = '<div hidden><img src="a.png"></div><div aria-hidden="true"><img src="b.png"></div>'
    assert body_findings("image-alt", body) == []


# html-has-lang / html-lang-valid


def test_it_flags_html_without_lang():
    (finding,) = findings("html-has-lang", html_doc("<h1>x</h1>", lang=None))
    assert finding.selector == "html"


def test_it_flags_an_empty_lang():
    assert len(findings("html-has-lang", html_doc("<h1>x</h1>", lang="  "))) == 1


def test_it_accepts_html_with_lang():
    assert findings("html-has-lang", html_doc("<h1>x</h1>", lang="en")) == []


def test_it_explains_that_xml_lang_alone_is_not_enough():
    html = '<html xml:lang="en"><head><title>Some title here</title></head><body></body></html>'
    (finding,) = findings("html-has-lang", html)
    assert "xml:lang" in finding.message


@pytest.mark.parametrize(
    "lang",
    ["xx-invalid-!!", "en_US", "e", "toolonglang", "1en", "engl", "zz", "qq-GB", "x-private",
     "i-klingon", "\u00e9n"],
)
def test_it_flags_a_lang_without_a_registered_base_language(lang):
    (finding,) = findings("html-lang-valid", html_doc("<h1>x</h1>", lang=lang))
    assert lang in finding.message


@pytest.mark.parametrize(
    "lang",
    [
        "en",
        "EN-us",
        "fr-CA",
        "zh-Hant-TW",
        "es-419",
        "de-CH-1996",
        "sl-rozaj-biske",
        "en-a-bbb-x-private",
        "zh-yue-HK",
        "gsw",
        " en ",
        "en--us",  # axe checks only the base language subtag
        "en-us-x",
    ],
)
def test_it_accepts_a_registered_base_language(lang):
    assert is_valid_lang(lang)


def test_it_flags_a_whitespace_only_lang():
    assert len(findings("html-lang-valid", html_doc("<h1>x</h1>", lang="  "))) == 1


def test_it_does_not_check_validity_when_lang_is_missing():
    assert findings("html-lang-valid", html_doc("<h1>x</h1>", lang=None)) == []


# document-title


def test_it_flags_a_page_without_title():
    (finding,) = findings("document-title", html_doc("<h1>x</h1>", head=""))
    assert "no <title>" in finding.message and finding.selector == "html"


def test_it_flags_an_empty_title():
    (finding,) = findings("document-title", html_doc("<h1>x</h1>", head="<title>  </title>"))
    assert "empty" in finding.message


def test_it_accepts_a_page_with_a_title():
    assert findings("document-title", html_doc("<h1>x</h1>")) == []


# label


def test_it_flags_an_input_without_label():
    assert selectors(body_findings("label", '<input id="email" type="email">')) == ["#email"]


@pytest.mark.parametrize(
    ("rule_id", "tag"),
    [
        # axe 4.14 checks <select> in its own rule, select-name
        ("select-name", "<select name='s'><option>a</option></select>"),
        ("label", "<textarea></textarea>"),
    ],
)
def test_it_flags_selects_and_textareas_without_label(rule_id, tag):
    assert len(body_findings(rule_id, tag)) == 1


@pytest.mark.parametrize(
    "field",
    [
        '<label for="e">Email</label><input id="e">',
        "<label>Email <input></label>",
        '<input aria-label="Email">',
        '<span id="l">Email</span><input aria-labelledby="l">',
        '<input title="Email">',
        '<input placeholder="Email">',
    ],
)
def test_it_accepts_an_input_with_an_accessible_name(field):
    assert body_findings("label", field) == []


@pytest.mark.parametrize("input_type", ["hidden", "submit", "reset", "button", "image"])
def test_it_does_not_require_labels_on_inputs_that_cannot_have_one(input_type):
    assert body_findings("label", f'<input type="{input_type}">') == []


def test_it_rejects_an_empty_label_element():
    assert len(body_findings("label", '<label for="e"></label><input id="e">')) == 1


def test_it_rejects_a_label_for_another_element():
    assert len(body_findings("label", '<label for="other">Email</label><input id="e">')) == 1


def test_it_rejects_a_blank_aria_label():
    assert len(body_findings("label", '<input aria-label="   ">')) == 1


# button-name


@pytest.mark.parametrize(
    ("rule_id", "button"),
    [
        ("button-name", "<button></button>"),
        ("button-name", '<button><img src="i.png" alt=""></button>'),
        # axe 4.14 flags these with aria-command-name and input-button-name
        ("aria-command-name", '<div role="button"></div>'),
        ("input-button-name", '<input type="button">'),
        ("input-button-name", '<input type="button" value="">'),
    ],
)
def test_it_flags_a_button_without_a_name(rule_id, button):
    assert len(body_findings(rule_id, button)) == 1


@pytest.mark.parametrize(
    "button",
    [
        "<button>Save</button>",
        '<button><img src="i.png" alt="Save"></button>',
        '<button aria-label="Close"><svg></svg></button>',
        '<button title="Close"></button>',
        '<div role="button">Open</div>',
        '<input type="button" value="Go">',
        '<input type="submit">',
        '<input type="reset">',
    ],
)
def test_it_accepts_a_button_with_a_name(button):
    assert body_findings("button-name", button) == []


def test_it_ignores_text_in_a_hidden_part_of_a_button():
    assert (
        len(body_findings("button-name", '<button><span aria-hidden="true">x</span></button>')) == 1
    )


# link-name


def test_it_flags_a_link_without_a_name():
    (finding,) = body_findings("link-name", '<p><a href="/x"><img src="i.png"></a></p>')
    assert finding.snippet == '<a href="/x">'


@pytest.mark.parametrize(
    "link",
    [
        '<a href="/x">Pricing</a>',
        '<a href="/x"><img src="i.png" alt="Pricing"></a>',
        '<a href="/x" aria-label="Pricing"></a>',
        '<a href="/x" title="Pricing"></a>',
        '<a name="anchor"></a>',
    ],
)
def test_it_accepts_a_link_with_a_name_or_without_href(link):
    assert body_findings("link-name", link) == []


def test_it_skips_links_hidden_with_inline_style():
    assert body_findings("link-name", '<nav style="display: none"><a href="/x"></a></nav>') == []


def test_it_does_not_count_script_text_as_a_link_name():
    assert len(body_findings("link-name", '<a href="/x"><script>var a = 1;</script></a>')) == 1


# duplicate-id


def test_it_flags_each_duplicated_id_once():
    body = (
        '<p id="a">1</p><p id="a">2</p><p id="a">3</p><p id="b">4</p><p id="b">5</p><p id="c">6</p>'
    )
    found = body_findings("duplicate-id", body)
    assert [f.message for f in found] == [
        'id="a" is used by 3 elements.',
        'id="b" is used by 2 elements.',
    ]
    assert found[0].selector == "html > body > p:nth-child(1)"  # the first, as axe reports


def test_it_accepts_unique_ids():
    assert body_findings("duplicate-id", '<p id="a">1</p><p id="b">2</p>') == []


# heading-order


def test_it_flags_a_heading_that_skips_a_level():
    (finding,) = body_findings("heading-order", "<h1>A</h1><h2>B</h2><h4>C</h4>")
    assert finding.message == "Heading level 4 follows level 2."


def test_it_accepts_headings_that_go_down_one_level_or_back_up():
    assert (
        body_findings("heading-order", "<h2>A</h2><h3>B</h3><h4>C</h4><h2>D</h2><h3>E</h3>") == []
    )


def test_it_reads_the_level_of_role_heading_from_aria_level():
    body = '<h1>A</h1><div role="heading" aria-level="3">B</div>'
    assert len(body_findings("heading-order", body)) == 1


# empty-heading


def test_it_flags_an_empty_heading():
    assert selectors(body_findings("empty-heading", '<h1>A</h1><h2 id="e"> </h2>')) == ["#e"]


def test_it_flags_an_empty_role_heading():
    assert len(body_findings("empty-heading", '<div role="heading" aria-level="2"></div>')) == 1


@pytest.mark.parametrize(
    "heading",
    [
        "<h2>Text</h2>",
        '<h2><img src="l.png" alt="Logo"></h2>',
        '<h2 aria-label="Section"></h2>',
        '<h2 title="Section"></h2>',
    ],
)
def test_it_accepts_a_heading_with_text_or_a_name(heading):
    assert body_findings("empty-heading", heading) == []


# meta-viewport


@pytest.mark.parametrize(
    "content",
    [
        "width=device-width, user-scalable=no",
        "width=device-width, user-scalable=0",
        "width=device-width; maximum-scale=1.0",
        "maximum-scale=1.5",
    ],
)
def test_it_flags_a_viewport_that_blocks_zoom(content):
    html = html_doc(
        "<h1>x</h1>", head=f'<title>A good title</title><meta name="viewport" content="{content}">'
    )
    (finding,) = findings("meta-viewport", html)
    assert finding.severity == "moderate" and finding.snippet.startswith("<meta")  # axe 4.14


@pytest.mark.parametrize(
    "content",
    [
        "width=device-width, initial-scale=1",
        "user-scalable=yes, maximum-scale=2",
        "maximum-scale=5",
        "maximum-scale=-1",
        "",
    ],
)
def test_it_accepts_a_viewport_that_allows_zoom(content):
    assert viewport_scale_problem(content) is None
