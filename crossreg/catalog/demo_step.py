"""The catalog's step of ``crossreg demo_setup`` (registered in ``CatalogConfig.ready``)."""

from __future__ import annotations

from crossreg.core.demo import DemoContext


def demo_step(ctx: DemoContext) -> str:
    from crossreg.catalog.demo import catalog_demo_load
    from crossreg.catalog.models import SupervisionItem

    if SupervisionItem.objects.exists():
        return "already loaded"
    return str(catalog_demo_load(actor=ctx.actor))
