"""Table rules, following axe-core 4.14 (lib/rules/*.json, lib/checks/tables/*) and its
table commons (lib/commons/table/: to-grid, get-cell-position, get-scope,
is-column-header, is-row-header, get-headers, traverse, is-data-cell,
is-data-table).

The grid is the DOM's table model as axe builds it (`table.rows` in thead, body,
tfoot order, `row.cells`, colSpan and rowSpan with rowspan="0" spanning every row),
computed once per table for the page. axe caches the headers it finds for each
cell on the cell's virtual node for the whole run (traverseForHeaders); that cache
is kept per page here, in the same order (td-has-header runs before
th-has-data-cells, as in axe), so a spanning cell gets the headers axe gives it.

isDataTable decides from markup where it can (roles, summary, caption, thead,
colgroup, th, scope/headers/abbr, nested tables, row and cell counts) and
approximates its rendering tests: "a cell has a border" is a `border` attribute on
the table other than 0 or a border in a cell's inline style; "rows have different
backgrounds" compares the rows' bgcolor/background attributes and inline background
declarations (stylesheets, e.g. zebra stripes by nth-child, are not seen); "wider
than 95% of the viewport" is a width of 100% in the table's attribute or inline
style.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from weakref import WeakKeyDictionary

from lxml import etree

from apps.analyses.analyzers import aria
from apps.analyses.analyzers.aria_rules import has_content
from apps.analyses.analyzers.axe import axe_rule
from apps.analyses.analyzers.base import Issue, PageContext

Grid = list[list[etree._Element | None]]

_CELLS = ("td", "th")
_SCOPES = ("col", "row", "colgroup", "rowgroup")
_HEADER_ROLES = ("columnheader", "rowheader")
# axe's grid grows a row for every row a rowspan reaches past the table's end (up to
# 65534); past this many such rows the span is cut, to bound the work on a hostile page.
_MAX_ROWS_PAST_END = 100


# -- the table model -------------------------------------------------------------------------


def table_rows(table: etree._Element) -> list[etree._Element]:
    """HTMLTableElement.rows: rows of thead sections, then of the table and tbody
    sections, then of tfoot sections, each in tree order."""
    head: list = []
    body: list = []
    foot: list = []
    for child in table:
        if child.tag == "tr":
            body.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows = [row for row in child if row.tag == "tr"]
            {"thead": head, "tbody": body, "tfoot": foot}[child.tag].extend(rows)
    return head + body + foot


def row_cells(row: etree._Element) -> list[etree._Element]:
    """HTMLTableRowElement.cells."""
    return [cell for cell in row if cell.tag in _CELLS]


def _colspan(cell: etree._Element) -> int:
    """HTMLTableCellElement.colSpan: 1 unless a number from 1 to 1000."""
    value = aria.parse_int(cell.get("colspan"))
    return min(value, 1000) if value and value > 0 else 1


def _rowspan(cell: etree._Element, row_count: int) -> int:
    """axe's rowspan: rowspan="0" (parseInt) spans every row, else rowSpan (1 when
    invalid or negative, at most 65534)."""
    value = aria.parse_int(cell.get("rowspan"))
    if value == 0:
        return row_count
    return min(value, 65534) if value is not None and value > 0 else 1


def _put(grid: Grid, y: int, x: int, cell: etree._Element) -> None:
    row = grid[y]
    if len(row) <= x:
        row.extend([None] * (x + 1 - len(row)))
    row[x] = cell


def _taken(grid: Grid, y: int, x: int) -> bool:
    return x < len(grid[y]) and grid[y][x] is not None


def to_grid(table: etree._Element) -> Grid:
    """axe lib/commons/table/to-grid.js: rows of cells, a spanning cell in every slot
    it covers; None where a JavaScript array would have a hole."""
    rows = table_rows(table)
    grid: Grid = []
    for y, row in enumerate(rows):
        while len(grid) <= y:
            grid.append([])
        x = 0
        for cell in row_cells(row):
            span = min(_rowspan(cell, len(rows)), len(rows) + _MAX_ROWS_PAST_END - y)
            for _ in range(_colspan(cell)):
                for dy in range(span):
                    while len(grid) <= y + dy:
                        grid.append([])
                    while _taken(grid, y + dy, x):
                        x += 1
                    _put(grid, y + dy, x, cell)
                x += 1
    return grid


class _TableState:
    """Per page: each table's grid and axe's per-cell header cache."""

    def __init__(self) -> None:
        self.grids: dict[etree._Element, Grid] = {}
        self.positions: dict[int, dict[etree._Element, tuple[int, int]]] = {}
        self.scopes: dict[etree._Element, str | bool] = {}
        self.headers: dict[tuple[etree._Element, str], list] = {}


_STATE: WeakKeyDictionary[PageContext, _TableState] = WeakKeyDictionary()


def _state(page: PageContext) -> _TableState:
    state = _STATE.get(page)
    if state is None:
        state = _STATE[page] = _TableState()
    return state


def grid_of(page: PageContext, table: etree._Element) -> Grid:
    grids = _state(page).grids
    if table not in grids:
        grids[table] = to_grid(table)
    return grids[table]


def _closest_table(el: etree._Element) -> etree._Element | None:
    return next(el.iterancestors("table"), None)


def cell_position(page: PageContext, grid: Grid, cell: etree._Element) -> tuple[int, int] | None:
    """axe's getCellPosition (memoized there too): (x, y) of the cell's first slot."""
    positions = _state(page).positions.get(id(grid))
    if positions is None:
        positions = _state(page).positions[id(grid)] = {}
        for y, row in enumerate(grid):
            for x, slot in enumerate(row):
                if slot is not None and slot not in positions:
                    positions[slot] = (x, y)
    return positions.get(cell)


def _scope(page: PageContext, cell: etree._Element) -> str | bool:
    """axe lib/commons/table/get-scope.js: col, row, colgroup, rowgroup, auto or False."""
    scopes = _state(page).scopes
    if cell not in scopes:
        scopes[cell] = _compute_scope(page, cell)
    return scopes[cell]


def _compute_scope(page: PageContext, cell: etree._Element) -> str | bool:
    role = aria.explicit_role(cell)
    if role == "columnheader":
        return "col"
    if role == "rowheader":
        return "row"
    scope = cell.get("scope")
    if scope in _SCOPES:
        return scope
    if cell.tag != "th":
        return False
    table = _closest_table(cell)
    grid = grid_of(page, table) if table is not None else None
    pos = cell_position(page, grid, cell) if grid is not None else None
    if pos is None:
        return "auto"
    x, y = pos
    if all(node.tag == "th" for node in grid[y] if node is not None):
        return "col"
    if all(x < len(row) and row[x] is not None and row[x].tag == "th" for row in grid):
        return "row"
    return "auto"


def is_column_header(page: PageContext, cell: etree._Element) -> bool:
    return _scope(page, cell) in ("col", "colgroup", "auto")


def is_row_header(page: PageContext, cell: etree._Element) -> bool:
    return _scope(page, cell) in ("row", "rowgroup", "auto")


def cell_role(page: PageContext, cell: etree._Element) -> str | None:
    """getRole of a td/th, a th's implicit role from the grid (axe's implicit-html-roles
    th: columnheader when isColumnHeader, else rowheader when isRowHeader)."""
    role = page.role(cell)
    if cell.tag == "th" and role in _HEADER_ROLES and aria.explicit_role(cell) not in _HEADER_ROLES:
        if is_column_header(page, cell):
            return "columnheader"
        return "rowheader" if is_row_header(page, cell) else None
    return role


def _headers_in(page: PageContext, kind: str, pos: tuple[int, int], grid: Grid) -> list:
    """axe's traverseForHeaders (get-headers.js), with its per-cell cache."""
    cache = _state(page).headers
    predicate = is_row_header if kind == "row" else is_column_header
    x, y = pos
    start = grid[y][x]
    row_start = y + _rowspan(start, len(grid)) - 1
    col_start = x + _colspan(start) - 1
    row_end, col_end = (y, 0) if kind == "row" else (0, x)
    headers = None
    cells: list = []
    row = row_start
    while row >= row_end and headers is None:
        for col in range(col_start, col_end - 1, -1):
            cell = grid[row][col] if row < len(grid) and col < len(grid[row]) else None
            if cell is None:
                continue
            if (cell, kind) in cache:
                headers = cache[(cell, kind)]
                break
            cells.append(cell)
        row -= 1
    headers = (headers or []) + [cell for cell in cells if predicate(page, cell)]
    for cell in cells:
        cache[(cell, kind)] = headers
    return headers


def get_headers(page: PageContext, cell: etree._Element, grid: Grid) -> list:
    """axe lib/commons/table/get-headers.js: the cells its headers attribute names
    (None for an id that names nothing), when one resolves; else the row and column
    headers found in the grid."""
    if cell.get("headers"):
        refs = [page.by_id.get(token) for token in cell.get("headers").split()]
        if any(ref is not None for ref in refs):
            return refs
    pos = cell_position(page, grid, cell)
    if pos is None:
        return []
    found = _headers_in(page, "row", pos, grid) + _headers_in(page, "col", pos, grid)
    return list(reversed(found))


def table_cells(table: etree._Element) -> list[etree._Element]:
    """axe's getAllCells."""
    return [cell for row in table_rows(table) for cell in row_cells(row)]


def _is_data_cell(cell: etree._Element) -> bool:
    """axe lib/commons/table/is-data-cell.js."""
    if len(cell) == 0 and not cell.text_content().strip():
        return False
    role = aria.explicit_role(cell)
    return role in ("cell", "gridcell") if role else cell.tag == "td"


# -- isDataTable ------------------------------------------------------------------------------

_BORDER_STYLE = re.compile(r"(?:^|;)\s*border(?:-width|-style)?\s*:\s*([^;]*)", re.IGNORECASE)
_BACKGROUND_STYLE = re.compile(r"(?:^|;)\s*(background(?:-color|-image)?)\s*:\s*([^;]*)", re.I)
_FULL_WIDTH = re.compile(r"(?:^|;)\s*width\s*:\s*100%", re.IGNORECASE)


def _has_border(table: etree._Element, cell: etree._Element) -> bool:
    """Static stand-in for offsetWidth != clientWidth: the cell has a border."""
    border = table.get("border")
    if border is not None and aria.parse_int(border) != 0:
        return True
    for value in _BORDER_STYLE.findall(cell.get("style") or ""):
        words = value.strip().lower().split()
        if words and not any(w in ("none", "hidden", "0", "0px") for w in words):
            return True
    return False


def _row_background(row: etree._Element) -> tuple:
    """Static stand-in for a row's computed background-color and -image."""
    declared = tuple(
        (name.lower(), " ".join(value.lower().split()))
        for name, value in _BACKGROUND_STYLE.findall(row.get("style") or "")
    )
    return ((row.get("bgcolor") or "").strip().lower(), row.get("background") or "", declared)


def _is_wide(table: etree._Element) -> bool:
    return (table.get("width") or "").strip() == "100%" or bool(
        _FULL_WIDTH.search(table.get("style") or "")
    )


def is_data_table(page: PageContext, table: etree._Element) -> bool:
    """axe lib/commons/table/is-data-table.js (layout tests approximated: see the
    module docstring)."""
    role = aria.explicit_role(table)
    if role in aria.PRESENTATIONAL and not page.is_focusable(table):
        return False
    if table.get("contenteditable") == "true" or any(
        a.get("contenteditable") == "true" for a in table.iterancestors()
    ):
        return True
    if role in ("grid", "treegrid", "table"):
        return True
    if (aria.aria_roles().get(role or "") or {}).get("type") == "landmark":
        return True
    if table.get("datatable") == "0":
        return False
    if table.get("summary"):
        return True
    if any(child.tag in ("thead", "tfoot", "caption", "colgroup") for child in table):
        return True
    rows = table_rows(table)
    cells = 0
    has_border = False
    for row in rows:
        for cell in row_cells(row):
            if cell.tag == "th":
                return True
            has_border = has_border or _has_border(table, cell)
            if cell.get("scope") or cell.get("headers") or cell.get("abbr"):
                return True
            if aria.explicit_role(cell) in _HEADER_ROLES:
                return True
            children = [c for c in cell if isinstance(c.tag, str)]
            if len(children) == 1 and children[0].tag == "abbr":
                return True
            cells += 1
    if next(table.iterdescendants("table"), None) is not None:
        return False
    if len(rows) < 2:
        return False
    sample = row_cells(rows[-(-len(rows) // 2)])  # rows[Math.ceil(length / 2)]
    if len(sample) == 1 and _colspan(sample[0]) == 1:
        return False
    if len(sample) >= 5 or has_border:
        return True
    backgrounds = [_row_background(row) for row in rows]
    if any(a != b for a, b in zip(backgrounds, backgrounds[1:], strict=False)):
        return True
    if len(rows) >= 20:
        return True
    if _is_wide(table) or cells < 10:
        return False
    return next(table.iter("object", "embed", "iframe", "applet"), None) is None


def _tables(page: PageContext) -> Iterator[etree._Element]:
    """Selector "table", hidden excluded."""
    return (table for table in page.elements("table") if not page.is_hidden(table))


# -- accessible text ----------------------------------------------------------------------

_PHRASING = frozenset("""a abbr area audio b bdi bdo br button canvas cite code data datalist
del dfn em embed i iframe img input ins kbd label map mark math meter noscript object output
picture progress q ruby s samp script select slot small span strong sub sup svg template
textarea time u var video wbr""".split())
_TEXT_INPUTS = ("text", "search", "tel", "url", "email", "number", "password")


def subtree_text(page: PageContext, el: etree._Element) -> str:
    """Approximation of axe's subtreeText, sanitized: the accessible text of the
    children (text, aria-labelledby/aria-label, alt, a text field's value, title as a
    last resort), hidden ones skipped, non-phrasing children set apart by spaces."""
    return sanitize(_subtree(page, el))


def _subtree(page: PageContext, el: etree._Element) -> str:
    out = el.text or ""
    for child in el:
        if isinstance(child.tag, str) and not page.is_hidden(child):
            text = _accessible_text(page, child)
            if text and child.tag not in _PHRASING:
                text = text if text.startswith(" ") else f"{text} "
                text = text if not out or out.endswith(" ") else f" {text}"
            out += text
        out += child.tail or ""
    return out


def _accessible_text(page: PageContext, el: etree._Element) -> str:
    """A descendant's accessibleTextVirtual: the first step that gives any string,
    whitespace included (only the start node's text is sanitized between steps)."""
    text = page.labelledby_text(el) or sanitize(el.get("aria-label") or "")
    if text:
        return text
    kind = aria.input_type(el) if el.tag == "input" else ""
    if el.tag in ("img", "area") or kind == "image":
        text = el.get("alt") or ""
    elif kind in _TEXT_INPUTS:
        text = el.get("value") or ""
    elif kind in ("button", "submit", "reset"):
        text = el.get("value") or {"submit": "Submit", "reset": "Reset"}.get(kind, "")
    elif el.tag not in ("script", "style", "template", "select", "textarea"):
        text = _subtree(page, el)
    return text or el.get("title") or ""


def sanitize(text: str) -> str:
    """axe's sanitize: nbsp as space, runs of whitespace collapsed, trimmed."""
    return re.sub(r"\s{2,}", " ", text.replace("\u00a0", " ")).strip()


# -- rules ----------------------------------------------------------------------------------


@axe_rule("empty-table-header")
def empty_table_header(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/empty-table-header.json: selector 'th:not([role]),
    [role="rowheader"], [role="columnheader"]', hidden excluded, any: has-visible-text
    (sanitize(subtreeText) is not empty) or presentational-role (getRole is none or
    presentation, e.g. inside a role="none" table)."""
    for el in page.elements():
        if el.get("role") in _HEADER_ROLES or (el.tag == "th" and el.get("role") is None):
            if page.is_hidden(el) or page.role(el) in aria.PRESENTATIONAL:
                continue
            if not subtree_text(page, el):
                yield Issue(
                    "This table header has no text: screen readers announce nothing for "
                    "the cells it heads.",
                    element=el,
                )


def _is_html5(page: PageContext) -> bool:
    """axe's isHTML5: document.doctype is `<!DOCTYPE html>` without public/system id."""
    doctype = getattr(page.document, "doctype", None)
    return (
        doctype is not None
        and doctype.name == "html"
        and not doctype.public_id
        and not doctype.system_id
    )


_SCOPE_VALUES = ("row", "col", "rowgroup", "colgroup")


@axe_rule("scope-attr-valid")
def scope_attr_valid(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/scope-attr-valid.json: selector "td[scope], th[scope]", hidden
    excluded, all: html5-scope (in an HTML5 document, lib/commons/dom/is-html5.js,
    only <th> may have scope) and scope-value (row, col, rowgroup or colgroup, in any
    case)."""
    html5 = None
    for cell in page.elements("td", "th"):
        scope = cell.get("scope")
        if scope is None or page.is_hidden(cell):
            continue
        if html5 is None:
            html5 = _is_html5(page)
        if html5 and cell.tag != "th":
            yield Issue(
                "In HTML5 the scope attribute belongs on <th> only; make this cell a <th> "
                "or drop scope.",
                element=cell,
            )
        elif scope.lower() not in _SCOPE_VALUES:
            yield Issue(
                f'scope="{scope}" is not one of row, col, rowgroup or colgroup.', element=cell
            )


@axe_rule("table-duplicate-name")
def table_duplicate_name(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/table-duplicate-name.json: selector "table", hidden excluded, none:
    same-caption-summary (lib/checks/tables/same-caption-summary-evaluate.js: the
    summary attribute equals the first <caption> child's text, ignoring case)."""
    for table in _tables(page):
        summary = table.get("summary")
        caption = next((child for child in table if child.tag == "caption"), None)
        if not summary or caption is None:
            continue
        text = subtree_text(page, caption)
        if text and sanitize(summary).lower() == text.lower():
            yield Issue(
                "The table's summary repeats its caption; screen readers read the same "
                "text twice. The summary should say something the caption does not.",
                element=table,
            )


@axe_rule("td-has-header")
def td_has_header(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/td-has-header.json: selector "table", data-table-large-matches
    (isDataTable and a grid of at least 3 rows whose first three rows have at least 3
    slots), hidden excluded; check td-has-header (lib/checks/tables/
    td-has-header-evaluate.js): every data cell with content and no aria label has a
    header (getHeaders) with content."""
    for table in _tables(page):
        if not is_data_table(page, table):
            continue
        grid = grid_of(page, table)
        if len(grid) < 3 or any(len(row) < 3 for row in grid[:3]):
            continue
        bad = [
            cell
            for cell in table_cells(table)
            if has_content(page, cell, ignore_aria=False)
            and _is_data_cell(cell)
            and not page.aria_name(cell)
            and not any(
                header is not None and has_content(page, header, ignore_aria=False)
                for header in get_headers(page, cell, grid)
            )
        ]
        if bad:
            yield Issue(
                f"{len(bad)} data cell(s) of this table have no header: give the table "
                "<th> cells (or headers attributes) that describe each row or column.",
                element=table,
            )


@axe_rule("td-headers-attr")
def td_headers_attr(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/td-headers-attr.json: selector "table", table-or-grid-role-matches
    (getRole table, grid or treegrid), hidden excluded; check td-headers-attr
    (lib/checks/tables/td-headers-attr-evaluate.js): each visible cell's headers must
    name other cells of the same table whose role is columnheader or rowheader; an
    empty headers attribute alone is for review."""
    for table in _tables(page):
        if page.role(table) not in ("table", "grid", "treegrid"):
            continue
        cells = table_cells(table)
        roles = {cell.get("id"): cell_role(page, cell) for cell in cells if cell.get("id")}
        problems: dict[str, list] = {"self": [], "outside": [], "not-header": [], "empty": []}
        for cell in cells:
            value = cell.get("headers")
            if value is None or page.is_hidden(cell):
                continue
            if not value.strip():
                problems["empty"].append(cell)
                continue
            for token in value.split():
                if cell.get("id") and token == cell.get("id"):
                    problems["self"].append(cell)
                elif not roles.get(token):
                    problems["outside"].append(cell)
                elif roles[token] not in _HEADER_ROLES:
                    problems["not-header"].append(cell)
        messages = {
            "self": "a cell's headers attribute names the cell itself",
            "outside": "a headers attribute names an id that is not a cell of this table",
            "not-header": "a headers attribute names a cell that is not a header",
        }
        for key, message in messages.items():
            if problems[key]:
                yield Issue(f"In this table {message}.", element=table)
                break
        else:
            if problems["empty"]:
                yield Issue(
                    "A cell of this table has an empty headers attribute.",
                    element=table,
                    needs_review=True,
                )


@axe_rule("th-has-data-cells")
def th_has_data_cells(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/th-has-data-cells.json: selector "table", data-table-matches
    (isDataTable), hidden excluded; check th-has-data-cells (lib/checks/tables/
    th-has-data-cells-evaluate.js): each header with text that no headers or
    aria-labelledby names must head a data cell below it (column header) or to its
    right (row header). The check never fails: a header without data cells is
    "incomplete", so this is for review."""
    for table in _tables(page):
        if not is_data_table(page, table):
            continue
        lonely = _headers_without_cells(page, table)
        if lonely:
            yield Issue(
                f"{len(lonely)} header cell(s) of this table head no data cells; check that "
                "each header describes the cells below or beside it.",
                element=table,
                needs_review=True,
            )


def _headers_without_cells(page: PageContext, table: etree._Element) -> list:
    cells = table_cells(table)
    named: set[str] = set()
    for cell in cells:
        named.update(re.split(r"\s+", cell.get("headers") or ""))
        named.update(re.split(r"\s+", cell.get("aria-labelledby") or ""))
    grid = grid_of(page, table)
    lonely = []
    for header in cells:
        if not sanitize(header.text_content()):
            continue
        if header.tag != "th" and aria.explicit_role(header) not in _HEADER_ROLES:
            continue
        if header.get("id") and header.get("id") in named:
            continue
        pos = cell_position(page, grid, header)
        if pos is None:
            continue
        found = is_column_header(page, header) and any(
            not is_column_header(page, cell) and header in get_headers(page, cell, grid)
            for cell in _walk(grid, pos, 0, 1)
        )
        if not found and is_row_header(page, header):
            found = any(
                not is_row_header(page, cell) and header in get_headers(page, cell, grid)
                for cell in _walk(grid, pos, 1, 0)
            )
        if not found:
            lonely.append(header)
    return lonely


def _walk(grid: Grid, pos: tuple[int, int], dx: int, dy: int) -> Iterator[etree._Element]:
    """axe's traverse(dir, pos, grid): the slots after pos, up to the first empty one."""
    x, y = pos[0] + dx, pos[1] + dy
    while y < len(grid) and x < len(grid[y]) and grid[y][x] is not None:
        yield grid[y][x]
        x, y = x + dx, y + dy
