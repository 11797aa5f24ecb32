"""Markup in notes and reasons is refused where it enters (crossreg.core.text, one rule), so it never
reaches exports, documents or other systems: a catalog withdrawal reason, a clerical review note, a
code-mapping import note, a credit model version note. Names, addresses and plan names are checked
by their own apps (entities, sampling, linking imports). Nothing is written when a note is refused."""

from __future__ import annotations

from typing import Any

import pytest

from crossreg.core.errors import Invalid
from crossreg.orgs.models import User
from crossreg.orgs.tests.factories import DepartmentFactory
from crossreg.web.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
MARKUP = [
    "<script>alert(1)</script>",
    '备注<img src=x onerror="x">',
    "见 &lt;附件&gt;",
    "javascript:alert(1)",
]


def _refused(call: Any) -> None:
    with pytest.raises(Invalid) as exc:
        call()
    assert exc.value.problems[0].code == "markup", exc.value.problems


@pytest.mark.parametrize("note", MARKUP)
def test_a_catalog_withdrawal_reason_with_markup_is_refused(note: str) -> None:
    from crossreg.catalog.models import PowerItem
    from crossreg.catalog.services import power_item_withdraw

    dept = DepartmentFactory.create(code="scjg")
    pi = PowerItem.objects.create(
        code="P-1",
        name="食品经营许可",
        kind=PowerItem.Kind.values[0],
        department=dept,
        legal_basis="《食品安全法》",
    )
    _refused(lambda: power_item_withdraw(power_item=pi, actor="system:test", reason=note))
    pi.refresh_from_db()
    assert pi.status == PowerItem.Status.ACTIVE and pi.withdrawn_reason == ""
    power_item_withdraw(
        power_item=pi, actor="system:test", reason="权力清单调整：A&B 合并，<5 项"
    )  # text is fine


@pytest.mark.parametrize("note", MARKUP[:2])
def test_a_review_note_with_markup_is_refused(note: str) -> None:
    from crossreg.linking.models import ReviewPair
    from crossreg.linking.services.review import review_pair_decide

    reviewer = UserFactory.create(username="bigdata1", role=User.Role.BIGDATA)
    pair = ReviewPair(pk=10**9)  # refused before the pair is read: it need not exist
    _refused(
        lambda: review_pair_decide(actor=reviewer, pair=pair, decision=ReviewPair.Status.MATCH, note=note)
    )


@pytest.mark.parametrize("note", MARKUP[:2])
def test_a_mapping_import_note_with_markup_is_refused(note: str) -> None:
    from crossreg.exchange.models import MappingVersion
    from crossreg.exchange.services import mapping_import
    from crossreg.orgs.permissions import Principal

    root = UserFactory.create(username="root1", role=User.Role.ADMIN, is_superuser=True)
    rows = [{"local_code": "scjg", "national_code": "113209000001", "name": "市场监管局"}]
    _refused(
        lambda: mapping_import(
            actor=root, principal=Principal.of(root), kind="department", rows=rows, note=note
        )
    )
    assert not MappingVersion.objects.exists()


def test_a_credit_model_version_note_with_markup_is_refused() -> None:
    from crossreg.credit.models import EvaluationModel, ModelVersion
    from crossreg.credit.services import model_create
    from crossreg.credit.tests.factories import spec

    dept = DepartmentFactory.create(code="fgw")

    def make(note: str) -> ModelVersion:
        return model_create(
            actor="system:test",
            code="public",
            name="公共信用综合评价",
            kind="public",
            department=dept,
            spec=spec(),
            note=note,
        )

    _refused(lambda: make(MARKUP[0]))
    assert not EvaluationModel.objects.exists() and not ModelVersion.objects.exists()
    assert make("首版：A&B").note == "首版：A&B"
