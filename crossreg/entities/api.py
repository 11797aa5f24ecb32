from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from crossreg.entities import selectors
from crossreg.entities.models import Entity

router = Router(tags=["entities"])


class EntityOut(Schema):
    id: int
    uscc: str | None
    name: str
    entity_type: str
    division_code: str
    industry_code: str | None
    status: str
    registered_on: dt.date | None
    credit_class: str


def _out(e: Entity) -> EntityOut:
    return EntityOut(
        id=e.pk,
        uscc=e.uscc,
        name=e.name,
        entity_type=e.entity_type,
        division_code=e.division_id,
        industry_code=e.industry_id,
        status=e.status,
        registered_on=e.registered_on,
        credit_class=e.credit_class,
    )


@router.get("/", response=list[EntityOut])
@paginate(PageNumberPagination)
def list_entities(request: HttpRequest, q: str = "", division: str | None = None) -> list[EntityOut]:
    return [_out(e) for e in selectors.entity_list(user=request.auth, q=q, division=division)]
