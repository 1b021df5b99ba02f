"""The command-line client as one downloadable file, so a CI runner needs only Python."""

from __future__ import annotations

from pathlib import Path

from django.http import HttpRequest, HttpResponse
from ninja import Router

router = Router(tags=["client"])
CLIENT = Path(__file__).resolve().parents[2] / "client.py"


@router.get("/client.py", auth=None, include_in_schema=False)
def download_client(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(CLIENT.read_bytes(), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="client.py"'
    return response
