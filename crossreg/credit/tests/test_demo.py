"""The demo step on the small web city: graded, B→C story, one repaired, idempotent; sampling's
strata then use the evaluated grade and the bundle names the model version."""

from __future__ import annotations

from typing import Any

import pytest

from crossreg.credit.demo import credit_demo_load
from crossreg.credit.models import CreditEvent, Grade, RepairApplication
from crossreg.credit.selectors import grades_for
from crossreg.credit.tests.factories import credit_city
from crossreg.entities.models import Entity
from crossreg.ledger.models import Entry

pytestmark = pytest.mark.django_db


def test_demo_step_grades_everyone_tells_the_story_and_is_idempotent(settings: Any) -> None:
    city = credit_city()
    out = credit_demo_load(actor="system:demo", seed=11)
    live = Entity.objects.exclude(status__in=["cancelled", "revoked"])
    assert Grade.objects.filter(current=True).count() == live.count()
    story = CreditEvent.objects.get(source_type="demo")
    g = Grade.objects.get(entity_id=story.entity_id, current=True)
    assert (g.previous, g.grade) == ("B", "C"), out
    assert RepairApplication.objects.filter(status="approved").count() == 1
    assert CreditEvent.objects.filter(source_type="synth.history").exists()
    n_events, n_grades, n_entries = CreditEvent.objects.count(), Grade.objects.count(), Entry.objects.count()
    credit_demo_load(actor="system:demo", seed=11)
    assert (CreditEvent.objects.count(), Grade.objects.count(), Entry.objects.count()) == (
        n_events,
        n_grades,
        n_entries,
    )
    assert city["hengda"].pk in grades_for([city["hengda"].pk])


def test_sampling_strata_use_the_evaluated_grade(settings: Any) -> None:
    from crossreg.credit import services
    from crossreg.credit.tests.factories import publish_demo_model
    from crossreg.orgs.tests.factories import DepartmentFactory
    from crossreg.sampling import services as sampling
    from crossreg.sampling.tests.factories import make_plan, sampling_city

    city = sampling_city(settings)
    hengda = city["hengda"]
    fgw = DepartmentFactory.create(code="fgw", name="发改委", short_name="发改委", division=hengda.division)
    publish_demo_model(fgw)
    services.credit_evaluate_all(actor="system:test")
    services.credit_event_record(
        actor="system:test",
        entity=hengda,
        kind="penalty",
        occurred_on=services.timezone.localdate(),
        source_type="case",
        source_id="X-1",
        severity="ordinary",
        reason="处罚",
    )
    Entity.objects.filter(pk=hengda.pk).update(credit_class="A")  # the provisional class no longer counts
    plan = make_plan(city, "smr", divisions=[hengda.division.code])
    plan = sampling.plan_publish(actor=city["staff"]["smr"], plan=plan)
    member = plan.pool.get(entity_id=hengda.pk)
    assert member.stratum == "C"
    bundle = sampling.plan_bundle(plan)
    assert bundle["credit"]["model_version"] == "public/v1"  # type: ignore[index]
    entry = Entry.objects.filter(action="sampling.plan.publish", subject_id=plan.code).get()
    assert entry.payload["credit"]["model_version"] == "public/v1"
