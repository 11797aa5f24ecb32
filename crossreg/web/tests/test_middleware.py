"""The locale middleware: zh-hans by default whatever the browser asks; English only when chosen."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import translation

from crossreg.web.middleware import LocaleMiddleware


def _language(*, accept: str = "", cookie: str | None = None) -> str:
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(str(translation.get_language()))
        return HttpResponse(translation.gettext("工作台"))

    request = RequestFactory().get("/", headers={"accept-language": accept} if accept else None)
    if cookie is not None:
        request.COOKIES["django_language"] = cookie
    with translation.override(None):
        response = LocaleMiddleware(view)(request)
    assert isinstance(response, HttpResponse) and response.status_code == 200
    return seen[0] + ":" + response.content.decode()


def test_english_browser_still_gets_chinese() -> None:
    assert _language(accept="en-US,en;q=0.9") == "zh-hans:工作台"


def test_the_switcher_cookie_chooses_english() -> None:
    assert _language(cookie="en") == "en:Dashboard"


def test_an_unknown_cookie_language_falls_back_to_chinese() -> None:
    assert _language(cookie="xx", accept="en") == "zh-hans:工作台"
