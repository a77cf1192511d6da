"""Accessible-name rules, following axe-core 4.14.1 (rule json, matches and checks).

Every rule here asks whether an element has a name, through axe's checks
(has-alt, aria-label, aria-labelledby, non-empty-title, implicit-label,
explicit-label, has-visible-text, presentational-role, ...), computed with
accname.py. Rules with axe's default excludeHidden skip elements hidden from
assistive technology (PageContext.is_hidden).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from apps.analyses.analyzers import aria
from apps.analyses.analyzers.accname import closest, idrefs, sanitize, visible_virtual
from apps.analyses.analyzers.axe import axe_rule
from apps.analyses.analyzers.base import Issue, PageContext
from apps.analyses.analyzers.taxonomy import Category

# -- checks (lib/checks/...) ---------------------------------------------------------------


def aria_label(page: PageContext, el) -> bool:
    """aria-label-evaluate: sanitize(arialabelText) is not empty."""
    return bool(sanitize(el.get("aria-label")))


def aria_labelledby(page: PageContext, el) -> bool:
    """aria-labelledby-evaluate: sanitize(arialabelledbyText) is not empty."""
    return bool(sanitize(page.accname.arialabelledby_text(el)))


def non_empty_attr(el, attr: str) -> bool:
    """attr-non-space-content-evaluate (non-empty-title, -alt, -value, -placeholder)."""
    return bool(sanitize(el.get(attr)))


def presentational_role(page: PageContext, el) -> bool:
    """presentational-role-evaluate: the computed role is none/presentation (a
    titled iframe/frame with an explicit presentational role does not count)."""
    explicit = aria.explicit_role(el)
    if explicit in aria.PRESENTATIONAL and el.tag in ("iframe", "frame") \
            and el.get("title") is not None:
        return False
    return page.role(el) in aria.PRESENTATIONAL


def has_visible_text(page: PageContext, el) -> bool:
    """has-text-content-evaluate (has-visible-text, button-has-visible-text)."""
    return sanitize(page.accname.subtree_text(el, {})) != ""


def implicit_label(page: PageContext, el) -> bool:
    """implicit-label: the closest <label> ancestor has a name (in control context)."""
    label = closest(el, "label")
    return label is not None and bool(page.accname.control_label_text(label, el))


def explicit_label(page: PageContext, el) -> bool:
    """explicit-label: some label[for=id] is off screen (statically: hidden for
    everyone) or has a name."""
    labels = page.accname.explicit_labels(el)
    if not labels:
        return False
    inside_label = closest(el, "label") is not None  # then a label's text may involve el
    cache = page.accname.explicit_ok
    if inside_label or el.get("id") not in cache:
        cache[el.get("id")] = any(
            label in page.hidden_for_everyone or page.accname.control_label_text(label, el)
            for label in labels
        )
    return cache[el.get("id")]


def hidden_explicit_label(page: PageContext, el) -> bool:
    """hidden-explicit-label (a none check): the first label[for=id] is hidden from
    screen readers and the element's accessible name is empty."""
    labels = page.accname.explicit_labels(el)
    if labels and page.is_hidden(labels[0]):
        return page.accessible_name(el).strip() == ""
    return False


def no_explicit_name_required(page: PageContext, el) -> bool:
    """lib/rules/no-explicit-name-required-matches.js."""
    role = aria.explicit_role(el)
    if not role or role in aria.PRESENTATIONAL:
        return True
    return bool(aria.aria_roles().get(role, {}).get("accessibleNameRequired")) \
        or page.is_focusable(el)


def no_naming_method(page: PageContext, el) -> bool:
    """lib/rules/no-naming-method-matches.js: no native naming method, not a combobox
    wrapping an input. (The isComboboxPopup exclusion is approximated: a listbox
    referenced by a combobox's aria-controls/aria-owns.)"""
    if aria.element_spec(el).get("namingMethods"):
        return False
    if aria.explicit_role(el) == "combobox" and any(
        (i.get("type") or "") != "hidden" for i in el.iterdescendants("input")
    ):
        return False
    if page.role(el) == "listbox" and el.get("id"):
        for combo in page.with_role("combobox"):
            refs = (combo.get("aria-controls") or "").split() + \
                (combo.get("aria-owns") or "").split()
            if el.get("id") in refs:
                return False
    return True


def _visible(page: PageContext, tags: tuple[str, ...]) -> Iterator:
    for el in page.elements(*tags):
        if not page.is_hidden(el):
            yield el


def _named(page: PageContext, el, *, text: bool = False) -> bool:
    """any: [has-visible-text when `text`], aria-label, aria-labelledby, non-empty-title."""
    return (text and has_visible_text(page, el)) or aria_label(page, el) \
        or aria_labelledby(page, el) or non_empty_attr(el, "title")


def _labelled(page: PageContext, el) -> bool:
    return implicit_label(page, el) or explicit_label(page, el)


# -- images ----------------------------------------------------------------------------


@axe_rule("image-alt", categories=(Category.ACCESSIBILITY, Category.SEO))
def image_alt(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/image-alt.json: selector img, no-explicit-name-required-matches;
    any has-alt, aria-label, aria-labelledby, non-empty-title, presentational-role;
    none alt-space-value (alt of only whitespace, unless presentational)."""
    for img in _visible(page, ("img",)):
        if not no_explicit_name_required(page, img):
            continue
        alt = img.get("alt")
        presentational = page.role(img) in aria.PRESENTATIONAL
        if alt is not None and alt.strip() == "" and alt != "" and not presentational:
            yield Issue('The alt attribute holds only whitespace; use alt="" for a decorative '
                        "image or describe it.", element=img)
        elif not (alt is not None or _named(page, img) or presentational_role(page, img)):
            yield Issue("Image has no alt attribute and no other text alternative.",
                        element=img)


@axe_rule("input-image-alt")
def input_image_alt(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/input-image-alt.json: input[type=image] (case-sensitive, as axe's
    own selector engine matches),
    no-explicit-name-required-matches; any non-empty-alt, aria-label,
    aria-labelledby, non-empty-title, implicit-label, explicit-label."""
    for el in _visible(page, ("input",)):
        # axe matches its selector on the virtual tree, case-sensitively
        if el.get("type") != "image" or not no_explicit_name_required(page, el):
            continue
        if not (non_empty_attr(el, "alt") or _named(page, el) or _labelled(page, el)):
            yield Issue("Image button has no alternative text.", element=el)


@axe_rule("area-alt")
def area_alt(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/area-alt.json: `map area[href]`, excludeHidden false; any
    non-empty-alt, aria-label, aria-labelledby, non-empty-title."""
    for el in page.elements("area"):
        if el.get("href") is None or next(el.iterancestors("map"), None) is None:
            continue
        if not (non_empty_attr(el, "alt") or _named(page, el)):
            yield Issue("Image-map area has no alternative text.", element=el)


@axe_rule("role-img-alt")
def role_img_alt(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/role-img-alt.json: role=img/image (the whole attribute) outside
    img, area, input, object and outside SVG; any aria-label, aria-labelledby,
    non-empty-title."""
    for el in _visible(page, ()):
        if el.get("role") not in ("img", "image") or el.tag in ("img", "area", "input", "object"):
            continue
        if el.tag == "svg" or aria.in_svg(el):
            continue
        if not _named(page, el):
            yield Issue('Element with role="img" has no text alternative.', element=el)


@axe_rule("image-redundant-alt")
def image_redundant_alt(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/image-redundant-alt.json: img; none duplicate-img-label (options
    parentSelector "button, [role=button], a[href], p, li, td, th"): not
    presentational, and the closest such parent's visible text (visibleVirtual,
    screen-reader visibility, lower-cased) is non-empty and equals the image's
    lower-cased accessible name."""
    for img in _visible(page, ("img",)):
        if page.role(img) in aria.PRESENTATIONAL:
            continue
        parent = next((a for a in img.iterancestors() if _redundant_parent(a)), None)
        if parent is None:
            continue
        text = visible_virtual(parent, page.hidden).lower()
        if text and text == page.accessible_name(img).lower():
            yield Issue("The image's alt text repeats the text next to it.", element=img)


def _redundant_parent(el) -> bool:
    tag = el.tag
    return tag in ("button", "p", "li", "td", "th") or el.get("role") == "button" or (
        tag == "a" and el.get("href") is not None
    )


@axe_rule("svg-img-alt")
def svg_img_alt(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/svg-img-alt.json: role img/image/graphics-symbol, or
    svg[role=graphics-document], in SVG (svg-namespace-matches); any
    svg-non-empty-title (a direct <title> child with text, hidden or not),
    aria-label, aria-labelledby, non-empty-title."""
    for el in _visible(page, ()):
        role = el.get("role")
        if not (role in ("img", "image", "graphics-symbol")
                or (el.tag == "svg" and role == "graphics-document")):
            continue
        if el.tag != "svg" and not aria.in_svg(el):
            continue
        title = next((c for c in el if c.tag == "title"), None)
        has_title = title is not None and sanitize("".join(title.itertext())) != ""
        if not (has_title or _named(page, el)):
            yield Issue("SVG image has no text alternative (add a <title>).", element=el)


@axe_rule("object-alt")
def object_alt(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/object-alt.json: object[data] with object-is-loaded-matches
    (no-explicit-name-required, and no rendered fallback content: statically, no
    child element and no text inside); any aria-label, aria-labelledby,
    non-empty-title, presentational-role."""
    for el in _visible(page, ("object",)):
        if el.get("data") is None or not no_explicit_name_required(page, el):
            continue
        if len(el) or (el.text or "").strip():
            continue
        if not (_named(page, el) or presentational_role(page, el)):
            yield Issue("<object> has no text alternative.", element=el)


# -- forms -------------------------------------------------------------------------------


def label_matches(el) -> bool:
    """lib/rules/label-matches.js."""
    if el.tag != "input" or el.get("type") is None:
        return True
    return el.get("type").lower() not in ("hidden", "image", "button", "submit", "reset")


@axe_rule("label")
def label(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/label.json: input, textarea with label-matches; any
    implicit-label, explicit-label, aria-label, aria-labelledby, non-empty-title,
    non-empty-placeholder, presentational-role; none hidden-explicit-label."""
    for el in _visible(page, ("input", "textarea")):
        if not label_matches(el):
            continue
        named = _labelled(page, el) or _named(page, el) or non_empty_attr(el, "placeholder") \
            or presentational_role(page, el)
        if not named:
            yield Issue(f"<{el.tag}> form field has no label.", element=el)
        elif hidden_explicit_label(page, el):
            yield Issue("The field's only label is hidden from assistive technology.",
                        element=el)


@axe_rule("select-name")
def select_name(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/select-name.json: select; any implicit-label, explicit-label,
    aria-label, aria-labelledby, non-empty-title, presentational-role; none
    hidden-explicit-label."""
    for el in _visible(page, ("select",)):
        if not (_labelled(page, el) or _named(page, el) or presentational_role(page, el)):
            yield Issue("<select> has no label.", element=el)
        elif hidden_explicit_label(page, el):
            yield Issue("The select's only label is hidden from assistive technology.",
                        element=el)


@axe_rule("label-title-only")
def label_title_only(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/label-title-only.json: input, select, textarea with
    label-matches; none title-only: no label (labelVirtual: aria-labelledby's
    visible text, aria-label, label[for], wrapping label) but a title or
    aria-describedby."""
    for el in _visible(page, ("input", "select", "textarea")):
        if not label_matches(el):
            continue
        if not _label_virtual(page, el) and (
            page.accname.title_text(el) or el.get("aria-describedby")
        ):
            yield Issue("The field is labelled only by its title or aria-describedby.",
                        element=el)


def _label_virtual(page: PageContext, el) -> str:
    """commons/dom/label-virtual (the older `label` helper title-only uses)."""
    hidden = page.hidden
    if (el.get("aria-labelledby") or "").strip():
        refs = [page.by_id.get(t) for t in el.get("aria-labelledby").split()]
        text = " ".join(visible_virtual(r) if r is not None else "" for r in refs).strip()
        if text:
            return text
    text = sanitize(el.get("aria-label"))
    if text:
        return text
    labels = page.accname.explicit_labels(el)
    if labels:
        text = visible_virtual(labels[0], hidden)
        if text:
            return text
    wrapper = closest(el, "label")
    return visible_virtual(wrapper, hidden) if wrapper is not None else ""


# -- buttons, links, headings -----------------------------------------------------------


@axe_rule("button-name")
def button_name(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/button-name.json: button, no-explicit-name-required-matches;
    any button-has-visible-text, aria-label, aria-labelledby, non-empty-title,
    implicit-label, explicit-label, presentational-role."""
    for el in _visible(page, ("button",)):
        if not no_explicit_name_required(page, el):
            continue
        if not (_named(page, el, text=True) or _labelled(page, el)
                or presentational_role(page, el)):
            yield Issue("Button has no discernible text.", element=el)


@axe_rule("input-button-name")
def input_button_name(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/input-button-name.json: input type button/submit/reset,
    no-explicit-name-required-matches; any non-empty-if-present (submit/reset
    without value get the browser's default), non-empty-value, aria-label,
    aria-labelledby, non-empty-title, implicit-label, explicit-label,
    presentational-role."""
    for el in _visible(page, ("input",)):
        kind = el.get("type")  # axe's selector engine compares case-sensitively
        if kind not in ("button", "submit", "reset") or not no_explicit_name_required(page, el):
            continue
        default = kind in ("submit", "reset") and el.get("value") is None
        if not (default or non_empty_attr(el, "value") or _named(page, el)
                or _labelled(page, el) or presentational_role(page, el)):
            yield Issue("Input button has no discernible text.", element=el)


def _in_tab_order(page: PageContext, el) -> bool:
    """axe's isInTabOrder: focusable and tabindex not negative."""
    index = aria.tabindex(el)
    return page.is_focusable(el) and (index is None or index >= 0)


@axe_rule("link-name")
def link_name(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/link-name.json: a[href]; any has-visible-text, aria-label,
    aria-labelledby, non-empty-title; none focusable-no-name (in the tab order
    with an empty accessible name)."""
    for el in _visible(page, ("a",)):
        if el.get("href") is None:
            continue
        if not _named(page, el, text=True) or (
            _in_tab_order(page, el) and not page.accessible_name(el)
        ):
            yield Issue("Link has no discernible text.", element=el)


@axe_rule("empty-heading")
def empty_heading(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/empty-heading.json: h1-h6, [role=heading] whose role is heading;
    any has-visible-text, aria-label, aria-labelledby, non-empty-title."""
    tags = ("h1", "h2", "h3", "h4", "h5", "h6")
    for el in _visible(page, ()):
        if el.tag not in tags and el.get("role") != "heading":
            continue
        if page.role(el) == "heading" and not _named(page, el, text=True):
            yield Issue("Heading has no text.", element=el)


@axe_rule("summary-name")
def summary_name(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/summary-name.json: the first <summary> child of a <details>;
    any has-visible-text, aria-label, aria-labelledby, non-empty-title."""
    for el in _visible(page, ("summary",)):
        parent = el.getparent()
        if parent is None or parent.tag != "details":
            continue
        if next((c for c in parent if c.tag == "summary"), None) is not el:
            continue
        if not _named(page, el, text=True):
            yield Issue("The <summary> has no discernible text.", element=el)


# -- frames, media ---------------------------------------------------------------------


@axe_rule("frame-title")
def frame_title(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/frame-title.json: frame, iframe with no-negative-tabindex-matches;
    any non-empty-title, aria-label, aria-labelledby, presentational-role."""
    for el in _visible(page, ("frame", "iframe")):
        index = aria.tabindex(el)
        if index is not None and index < 0:
            continue
        if not (_named(page, el) or presentational_role(page, el)):
            yield Issue("Frame has no accessible name (give it a title).", element=el)


@axe_rule("frame-title-unique")
def frame_title_unique(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/frame-title-unique.json: frame[title], iframe[title] whose title
    sanitizes to text; none unique-frame-title (sanitized, lower-cased titles
    compared across the page), reviewOnFail, so duplicates need review."""
    frames = [el for el in _visible(page, ("frame", "iframe")) if sanitize(el.get("title"))]
    counts: dict[str, int] = {}
    for el in frames:
        key = sanitize(el.get("title")).lower()
        counts[key] = counts.get(key, 0) + 1
    for el in frames:
        if counts[sanitize(el.get("title")).lower()] > 1:
            yield Issue("Another frame on the page has the same title.", element=el,
                        needs_review=True)


@axe_rule("video-caption")
def video_caption(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/video-caption.json: video; none caption: a <track
    kind=captions> passes, otherwise incomplete (axe cannot tell whether the media
    has open captions), so a needs-review finding."""
    for el in _visible(page, ("video",)):
        if not any((t.get("kind") or "").lower() == "captions"
                   for t in el.iterdescendants("track")):
            yield Issue("Check that the video has captions (no <track kind=captions>).",
                        element=el, needs_review=True)


# -- ARIA widgets named by author (no-naming-method-matches) -------------------------------


def _aria_name_rule(roles: tuple[str, ...], *, text: bool, message: str):
    def check(page: PageContext) -> Iterator[Issue]:
        for el in _visible(page, ()):
            if el.get("role") not in roles or not no_naming_method(page, el):
                continue
            if not _named(page, el, text=text):
                yield Issue(message, element=el)

    return check


def _register(rule_id: str, roles: tuple[str, ...], text: bool, message: str, doc: str) -> None:
    check = _aria_name_rule(roles, text=text, message=message)
    check.__name__ = rule_id.replace("-", "_")
    check.__doc__ = doc
    axe_rule(rule_id)(check)


_register(
    "aria-command-name", ("link", "button", "menuitem"), True,
    "ARIA command has no accessible name.",
    "axe lib/rules/aria-command-name.json: [role=link|button|menuitem] with "
    "no-naming-method-matches; any has-visible-text, aria-label, aria-labelledby, "
    "non-empty-title.",
)
_register(
    "aria-meter-name", ("meter",), False, "ARIA meter has no accessible name.",
    "axe lib/rules/aria-meter-name.json: [role=meter], no-naming-method-matches; any "
    "aria-label, aria-labelledby, non-empty-title.",
)
_register(
    "aria-progressbar-name", ("progressbar",), False,
    "ARIA progressbar has no accessible name.",
    "axe lib/rules/aria-progressbar-name.json: [role=progressbar], "
    "no-naming-method-matches; any aria-label, aria-labelledby, non-empty-title.",
)
_register(
    "aria-tooltip-name", ("tooltip",), True, "ARIA tooltip has no accessible name.",
    "axe lib/rules/aria-tooltip-name.json: [role=tooltip], no-naming-method-matches; any "
    "has-visible-text, aria-label, aria-labelledby, non-empty-title.",
)
_register(
    "aria-treeitem-name", ("treeitem",), True, "ARIA treeitem has no accessible name.",
    "axe lib/rules/aria-treeitem-name.json: [role=treeitem], no-naming-method-matches; "
    "any has-visible-text, aria-label, aria-labelledby, non-empty-title.",
)
_register(
    "aria-tab-name", ("tab",), True, "ARIA tab has no accessible name.",
    "axe lib/rules/aria-tab-name.json: [role=tab], no-naming-method-matches; any "
    "has-visible-text, aria-label, aria-labelledby, non-empty-title.",
)
_register(
    "aria-dialog-name", ("dialog", "alertdialog"), False,
    "ARIA dialog has no accessible name.",
    "axe lib/rules/aria-dialog-name.json: [role=dialog|alertdialog], "
    "no-naming-method-matches; any aria-label, aria-labelledby, non-empty-title.",
)


def no_implicit_explicit_label(page: PageContext, el) -> bool | None:
    """no-implicit-explicit-label (a none check): False when fine, None (incomplete)
    when a <label> names the element but its accessible name does not contain the
    label's text."""
    label_text = sanitize(page.accname.label_text(el, {})).lower()
    name = sanitize(page.accessible_name(el)).lower()
    if not label_text:
        return False
    return None if label_text not in name else False


def _aria_field_rule(rule_id: str, roles: tuple[str, ...], *, text: bool, doc: str) -> None:
    def check(page: PageContext) -> Iterator[Issue]:
        for el in _visible(page, ()):
            if el.get("role") not in roles or not no_naming_method(page, el):
                continue
            if not _named(page, el, text=text):
                yield Issue("ARIA form field has no accessible name.", element=el)
            elif no_implicit_explicit_label(page, el) is None:
                yield Issue("Check the field's name: a <label> for it is not part of it.",
                            element=el, needs_review=True)

    check.__name__ = rule_id.replace("-", "_")
    check.__doc__ = doc
    axe_rule(rule_id)(check)


_aria_field_rule(
    "aria-input-field-name",
    ("combobox", "listbox", "searchbox", "slider", "spinbutton", "textbox"), text=False,
    doc="axe lib/rules/aria-input-field-name.json: [role=combobox|listbox|searchbox|slider|"
    "spinbutton|textbox], no-naming-method-matches; any aria-label, aria-labelledby, "
    "non-empty-title; none no-implicit-explicit-label (incomplete when a label's text is "
    "missing from the name).",
)
_aria_field_rule(
    "aria-toggle-field-name",
    ("checkbox", "menuitemcheckbox", "menuitemradio", "radio", "switch", "option"), text=True,
    doc="axe lib/rules/aria-toggle-field-name.json: [role=checkbox|menuitemcheckbox|"
    "menuitemradio|radio|switch|option], no-naming-method-matches; any has-visible-text, "
    "aria-label, aria-labelledby, non-empty-title; none no-implicit-explicit-label.",
)


@axe_rule("form-field-multiple-labels")
def form_field_multiple_labels(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/form-field-multiple-labels.json: input, select, textarea with
    label-matches; none multiple-label: the label[for=id] not hidden for everyone
    plus the wrapping labels; with more than one, incomplete unless only one is
    visible to screen readers and aria-labelledby points at it (never a
    violation: axe returns undefined or false)."""
    by_id: dict = {}
    for el in _visible(page, ("input", "select", "textarea")):
        if not label_matches(el):
            continue
        explicit = by_id.get(el.get("id"))
        if explicit is None:
            explicit = [lab for lab in page.accname.explicit_labels(el)
                        if lab not in page.hidden_for_everyone]
            by_id[el.get("id")] = explicit
        labels = explicit + [a for a in el.iterancestors("label") if a not in explicit]
        if len(labels) <= 1:
            continue
        visible = list(islice((lab for lab in labels if not page.is_hidden(lab)), 2))
        if len(visible) == 1 and any(r is visible[0] for r in idrefs(page, el, "aria-labelledby")):
            continue
        yield Issue("The field has several labels; check what assistive technology reads.",
                    element=el, needs_review=True)
