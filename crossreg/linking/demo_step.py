"""The object base's step of ``crossreg demo_setup`` (registered in ``LinkingConfig.ready``)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from crossreg.core.demo import DemoContext


def demo_step(ctx: DemoContext) -> str:
    from crossreg.entities.models import Entity
    from crossreg.linking import services as linking_services
    from crossreg.linking.models import SourceList

    if not Entity.objects.exists():
        raise CommandError("no city yet: run `crossreg seed` first")
    lists_dir = Path(ctx.lists_dir)
    if SourceList.objects.exists():
        return "department lists already imported"
    if not lists_dir.is_dir():
        raise CommandError(f"no department lists in {lists_dir}: run `crossreg seed` first")
    results = linking_services.import_directory(
        actor=ctx.actor, directory=lists_dir, link=False, progress=lambda _msg: None
    )
    result = linking_services.linking_relink(actor=ctx.actor, retrain=False)
    return f"{len(results)} lists imported and linked, {result.counts}"
