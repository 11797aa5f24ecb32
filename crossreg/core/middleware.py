"""A malformed request body is the client's error: 400, never a 500 with a traceback."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError


class BadRequestBodyMiddleware:
    """Parse a form POST's body up front (the CSRF check would read it next anyway) and answer 400
    if it cannot be parsed — a multipart request with no or a broken boundary, say."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.content_type in {
            "multipart/form-data",
            "application/x-www-form-urlencoded",
        }:
            try:
                request.POST  # noqa: B018 - parsing is the point
            except MultiPartParserError as exc:
                return HttpResponseBadRequest(
                    f"malformed request body: {exc}".encode(), content_type="text/plain"
                )
        return self.get_response(request)
