"""Code mappings: local item and department codes → the national platforms' codes, versioned.

A mapping table is imported whole as a new version (``services.mapping_import``); adapters read the
current version through :class:`Mappings` and write its version number into every record they
send, so a record can always be traced to the table that coded it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crossreg.exchange.models import CodeMapping, MappingVersion


class Unmapped(Exception):
    """A local code with no national code in the current mapping: the record cannot be sent."""

    def __init__(self, kind: str, codes: list[str], version: int | None) -> None:
        self.kind = kind
        self.codes = codes
        self.version = version
        where = f"v{version}" if version else "(no mapping imported)"
        super().__init__(f"unmapped {kind} code(s) {', '.join(codes)} in mapping {where}")


@dataclass
class Mappings:
    items: dict[str, tuple[str, str]] = field(default_factory=dict)  # local -> (national, list code)
    departments: dict[str, str] = field(default_factory=dict)  # local -> national
    names: dict[str, str] = field(default_factory=dict)  # local department code -> name
    versions: dict[str, int] = field(default_factory=dict)

    @classmethod
    def current(cls) -> Mappings:
        out = cls()
        for kind in (MappingVersion.Kind.ITEM, MappingVersion.Kind.DEPARTMENT):
            v = MappingVersion.objects.filter(kind=kind).order_by("-number").first()
            if v is None:
                continue
            out.versions[kind] = v.number
            for local, national, list_code, name in CodeMapping.objects.filter(version=v).values_list(
                "local_code", "national_code", "list_code", "name"
            ):
                if kind == MappingVersion.Kind.ITEM:
                    out.items[local] = (national, list_code)
                else:
                    out.departments[local] = national
                    out.names[local] = name
        return out

    @property
    def label(self) -> str:
        return f"item v{self.versions.get('item', 0)} / department v{self.versions.get('department', 0)}"

    def item(self, local: str) -> tuple[str, str]:
        found = self.items.get(local)
        if found is None:
            raise Unmapped("item", [local], self.versions.get("item"))
        return found

    def department(self, local: str) -> str:
        found = self.departments.get(local)
        if found is None:
            raise Unmapped("department", [local], self.versions.get("department"))
        return found

    def missing(self, *, items: list[str] = (), departments: list[str] = ()) -> list[str]:  # type: ignore[assignment]
        return [f"item:{c}" for c in items if c not in self.items] + [
            f"department:{c}" for c in departments if c not in self.departments
        ]

    def local_item(self, national: str) -> str | None:
        """The local item code for a national item code or implementation-list code (inbound)."""
        for local, (nat, list_code) in self.items.items():
            if national in (nat, list_code):
                return local
        return None

    def local_department(self, national: str) -> str | None:
        for local, nat in self.departments.items():
            if nat == national:
                return local
        return None
