"""The entity admin: every save recorded in the ledger; credit_class (sampling strata) not editable."""

from __future__ import annotations

import pytest
from django.test import Client

from crossreg.ledger.models import Entry
from crossreg.web.tests.factories import demo_city

pytestmark = pytest.mark.django_db


def test_entity_admin_cannot_edit_the_credit_class_and_records_saves(django_user_model) -> None:
    city = demo_city()
    entity = city["hengda"]
    root = django_user_model.objects.create_superuser(username="root2", password="x" * 12)
    c = Client()
    c.force_login(root)
    url = f"/admin/entities/entity/{entity.pk}/change/"
    page = c.get(url).content.decode()
    assert 'name="credit_class"' not in page and 'name="name"' in page
    from crossreg.entities.admin import EntityAdmin
    from crossreg.orgs.admin import AuditedAdmin

    assert issubclass(EntityAdmin, AuditedAdmin) and "credit_class" in EntityAdmin.readonly_fields
    before = Entry.objects.filter(action="admin.entity.change").count()
    admin = EntityAdmin(type(entity), None)  # type: ignore[arg-type]
    request = c.get(url).wsgi_request
    request.user = root
    admin._audit(request, entity, "change", ["name"])
    assert Entry.objects.filter(action="admin.entity.change").count() == before + 1
