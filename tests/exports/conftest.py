import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Export files go to a directory of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"
