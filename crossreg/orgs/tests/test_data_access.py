"""The read audit: reads of personal data and every export are recorded, and only the department's
admin (or an administrator) may query them."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from crossreg.orgs.models import DataAccess, User
from crossreg.orgs.permissions import Principal
from crossreg.orgs.selectors import data_access_visible
from crossreg.orgs.services import data_access_record, data_export_record
from crossreg.orgs.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> dict[str, Any]:
    a = DepartmentFactory.create(code="scjg")
    b = DepartmentFactory.create(code="sthj")
    mk = User.objects.create_user
    return {
        "reader": mk(username="reader", password="x", role=User.Role.STAFF, department=a),
        "admin_a": mk(username="admin_a", password="x", role=User.Role.DEPT_ADMIN, department=a),
        "admin_b": mk(username="admin_b", password="x", role=User.Role.DEPT_ADMIN, department=b),
        "staff_a": mk(username="staff_a", password="x", role=User.Role.STAFF, department=a),
        "root": mk(username="root", password="x", role=User.Role.ADMIN),
    }


def test_reads_and_exports_are_recorded_with_who_what_and_where(people: dict[str, Any], rf: Any) -> None:
    request = rf.get("/entities/7/", REMOTE_ADDR="10.1.2.3", HTTP_X_REQUEST_ID="req-1")
    request.user = people["reader"]
    assert (
        data_access_record(
            who=request, subject_type="entity", subject_ids=[7, 8], what="x", fields=["legal_rep"]
        )
        == 2
    )
    data_export_record(who=people["reader"], what="linking.list.export", rows=120, fields=["legal_rep"])
    rows = list(DataAccess.objects.order_by("pk"))
    assert [(r.kind, r.subject_type, r.subject_id) for r in rows] == [
        ("read", "entity", "7"),
        ("read", "entity", "8"),
        ("export", "export", ""),
    ]
    assert rows[0].actor == "user:reader" and rows[0].department_id == "scjg"
    assert (rows[0].ip, rows[0].request_id, rows[2].rows) == ("10.1.2.3", "req-1", 120)
    # The public sees masked data only: nothing to record.
    assert data_access_record(who=None, subject_type="entity", subject_ids=7, what="x") == 0


def test_only_the_departments_admin_and_administrators_query_it(people: dict[str, Any], client: Any) -> None:
    data_access_record(who=people["reader"], subject_type="entity", subject_ids=7, what="web.entity_detail")
    assert data_access_visible(Principal.of(people["admin_a"])).count() == 1
    assert data_access_visible(Principal.of(people["admin_b"])).count() == 0
    assert data_access_visible(Principal.of(people["staff_a"])).count() == 0
    assert data_access_visible(Principal.of(people["root"]), subject_id="7").count() == 1
    client.force_login(people["admin_a"])
    page = client.get(reverse("orgs:access"), {"subject_type": "entity"})
    reader = people["reader"].display_name or "reader"  # the reader by name, not "user:reader"
    assert page.status_code == 200 and reader in page.content.decode()
    client.force_login(people["staff_a"])
    assert client.get(reverse("orgs:access")).status_code == 403


def test_the_entity_page_records_an_unmasked_legal_representative(
    people: dict[str, Any], client: Any
) -> None:
    from crossreg.entities.tests.factories import EntityFactory

    entity = EntityFactory.create(legal_rep="张三")
    client.force_login(people["root"])
    assert client.get(reverse("entity_detail", args=[entity.pk])).status_code == 200
    assert DataAccess.objects.filter(
        subject_type="entity", subject_id=str(entity.pk), what="web.entity_detail"
    ).exists()
