"""The dashboard's rows (issue 17, item 8): the city's own registrations are a city-level row, not a
county "盐城市" with one entity; officers whose certificates run out soon are counted apart."""

from __future__ import annotations

import datetime as dt

import pytest

from crossreg.orgs.models import Officer
from crossreg.web.selectors import dashboard_figures
from crossreg.web.tests.factories import demo_city, entity_make

pytestmark = pytest.mark.django_db


def test_city_level_registrations_are_a_city_level_row_not_a_county(client) -> None:
    city = demo_city(entities_per_county=1)
    entity_make(name="盐城市城投建设发展有限公司", division=city["divisions"]["320900"])
    fig = dashboard_figures(user=city["root"])
    counties = [b for b in fig.entities_by_county if not b.city_level]
    city_rows = [b for b in fig.entities_by_county if b.city_level]
    assert "盐城市" not in {b.label for b in counties}
    assert [(b.key, b.label, b.value) for b in city_rows] == [("320900", "市本级（盐城市）", 1)]
    assert fig.entities_by_county[-1].city_level  # after the counties
    client.force_login(city["root"])
    html = client.get("/dashboard/").content.decode()
    assert 'data-testid="city-level"' in html and "市本级（盐城市）" in html
    assert "?division=320900" not in html  # no county link for the city row


def test_certificates_due_soon_are_counted_for_the_warning(client) -> None:
    city = demo_city(entities_per_county=1)
    today = dt.date(2026, 12, 4)
    officer = Officer.objects.filter(status=Officer.Status.ACTIVE, valid_until__gte=today).first()
    assert officer is not None
    Officer.objects.filter(pk=officer.pk).update(valid_until=today + dt.timedelta(days=30))
    fig = dashboard_figures(user=city["root"], today=today)
    assert fig.officers_expiring == 1
    assert fig.officers_active == Officer.objects.filter(status="active", valid_until__gte=today).count()
