"""Functions a content worker runs in tests (this module imports no Django, so a
worker process can unpickle them)."""

import time

import py3langid.langid


def models_loaded() -> bool:
    """Whether the language model is already loaded in this process."""
    return py3langid.langid.IDENTIFIER is not None


def wait(seconds: float) -> None:
    """Occupy a worker (a page that takes this long)."""
    time.sleep(seconds)
