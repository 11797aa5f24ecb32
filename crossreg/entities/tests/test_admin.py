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


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "<script>alert(1)</script>盐城市恒达建材有限公司"),
        ("address", '盐城市亭湖区<img src=x onerror="alert(1)">人民路1号'),
        ("legal_rep", "张<b>伟</b>明"),
    ],
)
def test_entity_admin_refuses_markup_naming_the_field(django_user_model, field: str, value: str) -> None:
    """Issue 17 item 9: markup is refused at entry, in the admin as in the API and list imports."""
    from django.forms.models import model_to_dict

    from crossreg.entities.admin import EntityAdminForm
    from crossreg.entities.models import Entity

    entity = demo_city()["hengda"]
    data = {k: v for k, v in model_to_dict(entity).items() if v is not None}
    data["key_domains"] = [d.pk for d in entity.key_domains.all()]
    data[field] = value
    form = EntityAdminForm(data=data, instance=entity)
    assert not form.is_valid()
    label = str(getattr(Entity._meta.get_field(field), "verbose_name", field))
    assert label in form.errors[field][0] and "HTML" in form.errors[field][0]
    ok = EntityAdminForm(data={**data, field: getattr(entity, field)}, instance=entity)
    assert field not in ok.errors
