"""The public catalog list is cached (it is read far more than anything is published) and a
publication or withdrawal shows at once: the cache key carries the catalog's state."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crossreg.catalog import services
from crossreg.catalog.tests.factories import compile_to, make_world

pytestmark = pytest.mark.django_db


def _get(client: Client, **params: Any) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as q:
        r = client.get(reverse("catalog:index"), params)
    assert r.status_code == 200
    return r.content.decode(), len(q)


def _results(html: str) -> str:
    return html.split('<div id="catalog-results">', 1)[1].split("</section>", 1)[0]


def test_the_public_list_is_served_from_cache_and_a_publication_shows_at_once(client: Client) -> None:
    world = make_world()
    compile_to(world, "published")
    first, cold = _get(client)
    again, warm = _get(client)
    assert "JG-SCJG-0001" in first and _results(again) == _results(first)
    assert again != first  # only the list is cached: the page around it (its CSRF token) is per request
    assert warm == 2 < cold  # the fingerprint and the key domains; the list itself is not re-read
    partial = client.get(reverse("catalog:index"), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and "JG-SCJG-0001" in partial

    v2 = compile_to(world, "published", code="JG-SCJG-0002")  # published: the key changes
    html, n = _get(client)
    assert "JG-SCJG-0002" in html and n == cold

    from crossreg.catalog.models import ItemVersion

    services.version_transition(version=v2, transition="withdraw", actor=world.approver, reason="职责调整")
    assert ItemVersion.objects.get(pk=v2.pk).status != ItemVersion.Status.PUBLISHED
    assert "JG-SCJG-0002" not in _get(client)[0]


def test_each_query_and_language_has_its_own_entry(client: Client, settings: Any) -> None:
    world = make_world()
    compile_to(world, "published")
    compile_to(world, "published", code="JG-SCJG-0002")
    assert "JG-SCJG-0002" in _get(client)[0]
    only_one = _get(client, q="JG-SCJG-0001")[0]
    assert "JG-SCJG-0001" in only_one and "JG-SCJG-0002" not in only_one
    zh = client.get(reverse("catalog:index"), headers={"HX-Request": "true"}).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = client.get(reverse("catalog:index"), headers={"HX-Request": "true"}).content.decode()
    assert "JG-SCJG-0002" in en and "JG-SCJG-0002" in zh
    assert en != zh  # not the Chinese entry served to an English reader (the count line is translated)
