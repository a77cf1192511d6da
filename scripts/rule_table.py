"""Print the README's rule table from the registry: `python scripts/rule_table.py`.

tests/analyses/rules/test_readme_rules.py checks that the README holds exactly
this table, so the manual lists every rule with its id, categories and severity.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.analyses.analyzers import all_rules  # noqa: E402

BEGIN = "<!-- rules:begin (scripts/rule_table.py) -->"
END = "<!-- rules:end -->"


def table() -> str:
    lines = [BEGIN, "", "| rule | categories | severity | scope | what it checks |",
             "| --- | --- | --- | --- | --- |"]
    for rule in sorted(all_rules(), key=lambda r: (r.categories[0], r.id)):
        title = rule.title.replace("|", "\\|")
        lines.append(f"| `{rule.id}` | {', '.join(rule.categories)} | {rule.severity} | "
                     f"{rule.scope} | {title} |")
    lines += ["", END]
    return "\n".join(lines)


README = Path(__file__).resolve().parents[1] / "README.md"


def write_readme(path: Path = README) -> None:
    """Replace the table between the markers in the README with the current one."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    path.write_text(text[:start] + table() + text[end:], encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv:
        write_readme()
    else:
        print(table())
