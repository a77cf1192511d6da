"""Text written into the binary file an export streams to."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO


@contextmanager
def text(stream: BinaryIO, *, newline: str = "") -> Iterator[io.TextIOWrapper]:
    """A UTF-8 text view of `stream`, flushed and detached (not closed) at the end."""
    wrapper = io.TextIOWrapper(stream, encoding="utf-8", newline=newline, write_through=False)
    try:
        yield wrapper
    finally:
        wrapper.flush()
        wrapper.detach()
