"""Background work of complaints: thin ``@task`` wrappers over services."""

from __future__ import annotations

from pathlib import Path

from django_tasks import task

from crossreg.complaints import conf


@task()
def deadlines_flag_task() -> int:
    """Periodic: flag steps past their legal deadline (run daily by the worker's schedule)."""
    from crossreg.complaints.services import deadlines_flag

    return deadlines_flag()


@task()
def feed_drop_scan() -> dict[str, int]:
    """Periodic: import every file in ``HOTLINE_DROP_DIR`` (moved to ``done/`` or ``refused/``)."""
    from crossreg.complaints.feed import feed_import
    from crossreg.core.errors import DomainError

    drop = conf.get("HOTLINE_DROP_DIR")
    counts = {"files": 0, "created": 0, "refused": 0}
    if not drop:
        return counts
    root = Path(drop)
    for sub in ("done", "refused"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for path in sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in {".json", ".csv"}):
        counts["files"] += 1
        try:
            result = feed_import(actor="system:hotline-feed", content=path.read_bytes(), file_name=path.name)
        except DomainError as exc:
            counts["refused"] += 1
            path.rename(root / "refused" / path.name)
            (root / "refused" / (path.name + ".errors.json")).write_text(
                __import__("json").dumps(exc.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
            )
            continue
        counts["created"] += len(result.created)
        path.rename(root / "done" / path.name)
    return counts
