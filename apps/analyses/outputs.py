"""The formats an analysis can be written in, by name: the one extension point between
the analyses app and the app that writes them (`apps.exports`).

The exports app registers each format from its AppConfig.ready(); the analyses app
validates the `exports` option and writes `manage.py analyze --format` through this
registry, without importing the exports app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from apps.jobs.models import Job


@dataclass(frozen=True)
class Output:
    name: str
    media_type: str
    extension: str
    description: str
    write: Callable[[Job, BinaryIO], None]  # the analysis, streamed into a binary file


_OUTPUTS: dict[str, Output] = {}


def register(output: Output) -> None:
    existing = _OUTPUTS.get(output.name)
    if existing is not None and existing != output:
        raise ValueError(f"output format {output.name!r} is already registered")
    _OUTPUTS[output.name] = output


def get(name: str) -> Output | None:
    return _OUTPUTS.get(name)


def names() -> list[str]:
    return list(_OUTPUTS)
