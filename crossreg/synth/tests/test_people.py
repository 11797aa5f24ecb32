"""The synthetic city's officers look like a real city's (issue 17, item 8): a few percent of the
enforcement certificates have lapsed, some are due for renewal soon, none is older than its term."""

from __future__ import annotations

import datetime as dt

import pytest

from crossreg.orgs.models import Officer
from crossreg.synth.people import CERTIFICATE_YEARS, people_seed
from crossreg.synth.reference import orgs_reference_load

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("today", [dt.date(2026, 12, 4), dt.date(2031, 3, 1)])
def test_certificates_a_few_expired_some_due_soon(today: dt.date) -> None:
    orgs_reference_load()
    counts = people_seed(7, today=today)
    n = Officer.objects.count()
    assert n == counts.officers > 1000
    expired = Officer.objects.filter(valid_until__lt=today).count()
    soon = Officer.objects.filter(
        valid_until__gte=today, valid_until__lt=today + dt.timedelta(days=90)
    ).count()
    assert 0.01 * n <= expired <= 0.06 * n  # was 1,157 of 2,384 on 2026-12-04
    assert 0.01 * n <= soon <= 0.08 * n  # enough to show the dashboard's warning
    assert not Officer.objects.filter(valid_from__gt=today).exists()
    terms = {(o.valid_until - o.valid_from).days for o in Officer.objects.only("valid_from", "valid_until")}
    assert terms == {CERTIFICATE_YEARS * 365}


def test_the_same_seed_and_day_give_the_same_officers() -> None:
    orgs_reference_load()
    day = dt.date(2026, 12, 4)
    people_seed(11, today=day)
    first = list(Officer.objects.order_by("certificate_no").values_list("certificate_no", "valid_until"))
    people_seed(11, today=day)
    assert (
        list(Officer.objects.order_by("certificate_no").values_list("certificate_no", "valid_until")) == first
    )
