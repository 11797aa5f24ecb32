"""Issue 18 item 5: an item with no linked power item is refused at legality review, and the review
page's checklist shows why; the item form's industries are a searchable choice of GB/T 4754."""

from __future__ import annotations

import pytest
from django.test import Client

from crossreg.catalog import services
from crossreg.catalog.legality import legality_checklist
from crossreg.catalog.models import SupervisionItem
from crossreg.catalog.tests.factories import compile_to, make_world
from crossreg.core.errors import Invalid

pytestmark = pytest.mark.django_db


def test_item_without_power_item_is_refused_at_legality_review_and_the_checklist_shows_it() -> None:
    world = make_world()
    v = compile_to(world, "legality_review")
    v.power_items.clear()  # e.g. an item imported or edited without its power item
    checks = {c.code: c for c in legality_checklist(v)}
    assert not checks["power_item"].ok and checks["legal_basis"].ok
    with pytest.raises(Invalid) as exc:
        services.version_transition(version=v, transition="pass", actor=world.lawyer)
    assert exc.value.problems[0].code == "legality_power_item"
    assert "未关联任何行政权力事项" in exc.value.problems[0].message
    v.refresh_from_db()
    assert v.status == "legality_review" and not SupervisionItem.objects.get(pk=v.item_id).published_id

    c = Client()
    c.force_login(world.lawyer)
    page = c.get(f"/catalog/work/versions/{v.pk}/").content.decode()
    assert 'data-testid="legality-checklist"' in page and 'data-testid="legality-blocked"' in page
    assert "关联了行政权力事项" in page and "不符合" in page


def test_item_with_its_power_item_passes_and_the_checklist_is_all_met() -> None:
    world = make_world()
    v = compile_to(world, "legality_review")
    assert all(c.ok for c in legality_checklist(v))
    c = Client()
    c.force_login(world.lawyer)
    page = c.get(f"/catalog/work/versions/{v.pk}/").content.decode()
    assert 'data-testid="legality-checklist"' in page and 'data-testid="legality-blocked"' not in page
    assert services.version_transition(version=v, transition="pass", actor=world.lawyer).status == "published"


def test_item_form_industries_are_a_searchable_choice() -> None:
    world = make_world()
    c = Client()
    c.force_login(world.drafter)
    page = c.get("/catalog/work/items/new/").content.decode()
    assert 'name="industries"' in page and "data-searchable" in page and "js/forms.js" in page
    assert '<option value="51">51 批发业</option>' in page
