from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crossreg.clues import services
from crossreg.clues.models import Clue, ClueBundle
from crossreg.clues.tests.factories import clue_city
from crossreg.core.errors import Invalid
from crossreg.inspections.models import InspectionTask

pytestmark = pytest.mark.django_db


def _t(h: int, m: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 3, 10, h, m))


def test_clue_raise_is_idempotent_and_bundles() -> None:
    city = clue_city()
    kw = dict(
        actor="system:test",
        source="complaint",
        source_ref="TS-1",
        entity=city["factory"],
        domain="environment",
        risk_type="pollution_discharge",
        severity="medium",
        observed_from=_t(9),
        observed_to=_t(9),
        summary="群众反映夜间偷排废水",
    )
    a = services.clue_raise(**kw)
    b = services.clue_raise(**kw)
    assert a.pk == b.pk
    assert Clue.objects.count() == 1
    bundle = ClueBundle.objects.get()
    assert bundle.clue_count == 1 and bundle.score == 2 and bundle.status == "open"
    assert bundle.key.startswith(f"{city['factory'].pk}:pollution_discharge:")
    assert InspectionTask.objects.count() == 0  # score 2 < 4


def test_second_clue_crosses_threshold_one_joint_task() -> None:
    city = clue_city()
    base = dict(
        actor="system:test",
        entity=city["factory"],
        risk_type="pollution_discharge",
        observed_from=_t(9),
        observed_to=_t(10),
        summary="x",
    )
    services.clue_raise(**base, source="iot", source_ref="r1", domain="environment", severity="medium")
    services.clue_raise(
        **base, source="complaint", source_ref="c1", domain="food", severity="medium", department_hint="smr"
    )
    bundle = ClueBundle.objects.get()
    assert bundle.score == 4
    assert set(bundle.departments.values_list("code", flat=True)) == {"eeb", "smr"}
    task = InspectionTask.objects.get()
    assert bundle.task_code == task.code
    assert sorted(task.departments.values_list("department_id", flat=True)) == ["eeb", "smr"]
    # a further clue (another risk type, same entity) attaches to the open task, no second task
    services.clue_raise(
        **{**base, "risk_type": "fire_safety"},
        source="manual",
        source_ref="m1",
        domain="food",
        severity="high",
    )
    assert InspectionTask.objects.count() == 1
    assert ClueBundle.objects.get(risk_type="fire_safety").task_code == task.code


def test_bad_input_names_the_field() -> None:
    city = clue_city()
    with pytest.raises(Invalid) as exc:
        services.clue_raise(
            actor="system:test",
            source="nonsense",
            source_ref="x",
            entity=city["factory"],
            domain="environment",
            risk_type="r",
            severity="low",
            observed_from=_t(9),
            observed_to=_t(9),
            summary="s",
        )
    assert exc.value.problems[0].field == "source"
    with pytest.raises(Invalid) as exc:
        services.clue_raise(
            actor="system:test",
            source="manual",
            source_ref="x",
            entity=city["factory"],
            domain="environment",
            risk_type="r",
            severity="low",
            observed_from=_t(10),
            observed_to=_t(9),
            summary="s",
        )
    assert exc.value.problems[0].field == "observed_to"


def test_unresolved_entity_waits_then_joins() -> None:
    city = clue_city()
    c = services.clue_raise(
        actor="system:test",
        source="complaint",
        source_ref="c9",
        entity_hint={"name": "不存在的公司"},
        domain="food",
        risk_type="food_safety",
        severity="low",
        observed_from=_t(9),
        observed_to=_t(9),
        summary="s",
    )
    assert c.entity_id is None and c.bundle_id is None
    by_uscc = services.clue_raise(
        actor="system:test",
        source="complaint",
        source_ref="c10",
        entity_hint={"uscc": city["factory"].uscc},
        domain="food",
        risk_type="food_safety",
        severity="low",
        observed_from=_t(9),
        observed_to=_t(9),
        summary="s",
    )
    assert by_uscc.entity_id == city["factory"].pk and by_uscc.bundle_id is not None
    services.clue_entity_assign(actor="system:test", clue=c, entity=city["factory"])
    c.refresh_from_db()
    assert c.bundle_id == by_uscc.bundle_id


def test_repeat_rule_fires_once_from_three_complaints() -> None:
    city = clue_city()
    services.rule_publish(
        actor="system:test",
        code="repeat-complaints",
        name="30 天内 3 次投诉",
        kind="repeat",
        domain="food",
        risk_type="repeated_complaints",
        severity="medium",
        params={"source": "complaint", "count": 3, "days": 30},
    )
    for i in range(4):
        services.clue_raise(
            actor="system:test",
            source="complaint",
            source_ref=f"r{i}",
            entity=city["factory"],
            domain="food",
            risk_type="food_safety",
            severity="low",
            observed_from=_t(9 + i),
            observed_to=_t(9 + i),
            summary="投诉",
        )
    derived = Clue.objects.filter(source="rule")
    assert derived.count() == 1
    d = derived.get()
    assert len(d.explanation["clues"]) == 4 and d.rule is not None and d.rule.code == "repeat-complaints"


def test_rule_versions() -> None:
    city = clue_city()
    r1 = city["rule"]
    same = services.rule_publish(
        actor="system:test",
        code=r1.code,
        name=r1.name,
        kind=r1.kind,
        domain=r1.domain,
        risk_type=r1.risk_type,
        severity=r1.severity,
        params=r1.params,
    )
    assert same.pk == r1.pk
    r2 = services.rule_publish(
        actor="system:test",
        code=r1.code,
        name=r1.name,
        kind=r1.kind,
        domain=r1.domain,
        risk_type=r1.risk_type,
        severity=r1.severity,
        params={**r1.params, "limit": 60},
    )
    r1.refresh_from_db()
    assert (r2.version, r1.status, r2.status) == (2, "retired", "published")
    with pytest.raises(Invalid) as exc:
        services.rule_publish(
            actor="system:test",
            code="x",
            name="x",
            kind="sustained",
            domain="food",
            risk_type="r",
            severity="low",
            params={},
        )
    assert exc.value.problems[0].field == "params.pollutant"
