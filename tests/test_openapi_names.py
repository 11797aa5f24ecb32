"""Every schema of the API has a name of its own in the OpenAPI document.

django-ninja names a component after its class; two apps each defining ``VersionOut`` (or
``EventOut``, ``TransitionIn``, ``BundleOut``) got one component between them, so the published data
standard described one app's answers with the other's schema (found by the API fuzzing in CI:
GET /api/v1/catalog/versions/{pk} "violated" the credit model version's schema).
"""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema


def _subclasses(cls: type) -> set[type]:
    out: set[type] = set()
    sub: type
    for sub in cls.__subclasses__():
        out.add(sub)
        out |= _subclasses(sub)
    return out


def test_no_two_api_schemas_share_a_component_name() -> None:
    import crossreg.api  # noqa: F401 — registers every router and imports every schema

    by_name: dict[str, set[str]] = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("crossreg.") and ".tests" not in cls.__module__:
            by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    shared = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert not shared, shared
