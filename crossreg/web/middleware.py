"""Language selection: Chinese unless the user switched.

Django's ``LocaleMiddleware`` follows the browser's ``Accept-Language``, so an English-language
browser would get the English UI. The platform's default is zh-hans whatever the browser says; a
user gets English only by choosing it with the language switcher (which sets the language cookie).
To use it, put ``crossreg.web.middleware.LocaleMiddleware`` in place of Django's in MIDDLEWARE.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation


def language_for(request: HttpRequest) -> str:
    """The language cookie's language if it is supported, else ``settings.LANGUAGE_CODE``."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen:
        try:
            return translation.get_supported_language_variant(chosen)
        except LookupError:
            pass
    return str(settings.LANGUAGE_CODE)


class LocaleMiddleware(DjangoLocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        translation.activate(language_for(request))
        request.LANGUAGE_CODE = translation.get_language()
