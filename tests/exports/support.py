"""Helpers: an analysed shop, and exports made and fetched through the API."""

from __future__ import annotations

from apps.exports.models import Export


def make_export(api, capture, job, fmt: str) -> dict:
    with capture(execute=True):  # the build task runs when the create commits (sync mode)
        response = api.post(f"/api/v1/analyses/{job.pk}/exports", {"format": fmt}, format="json")
    assert response.status_code == 202, response.content
    export = api.get(f"/api/v1/exports/{response.json()['id']}").json()
    assert export["status"] == "ready", export["error"]
    return export


def download(api, export: dict) -> bytes:
    response = api.get(f"/api/v1/exports/{export['id']}/download")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def stored(export: dict) -> Export:
    return Export.objects.get(pk=export["id"])
