"""The README lists every registered rule (the table scripts/rule_table.py prints)."""

from pathlib import Path

from scripts.rule_table import BEGIN, END, table

README = Path(__file__).resolve().parents[3] / "README.md"


def test_the_readme_holds_the_current_rule_table():
    text = README.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == table(), "run: .venv/bin/python scripts/rule_table.py --write"
