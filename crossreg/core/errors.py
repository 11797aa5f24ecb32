"""Errors that services raise for users: each names the field (or row) at fault.

Views turn them into form errors and messages; the API turns them into JSON
``{"detail": [{"field": …, "message": …, "code": …}]}`` with a 4xx status.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Problem:
    message: str
    field: str | None = None
    code: str = "invalid"
    row: int | None = None
    link: str | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"message": self.message, "code": self.code}
        if self.field is not None:
            out["field"] = self.field
        if self.row is not None:
            out["row"] = self.row
        if self.link is not None:
            out["link"] = self.link
        return out


class DomainError(Exception):
    """A request the platform refuses, with the reasons. Nothing has been written."""

    status = 400

    def __init__(
        self,
        *problems: Problem | str,
        field: str | None = None,
        code: str = "invalid",
        link: str | None = None,
    ) -> None:
        items: list[Problem] = [
            p if isinstance(p, Problem) else Problem(message=p, field=field, code=code, link=link)
            for p in problems
        ]
        self.problems = items
        super().__init__(
            "; ".join(p.message if p.field is None else f"{p.field}: {p.message}" for p in items)
        )

    def as_dict(self) -> dict[str, object]:
        return {"detail": [p.as_dict() for p in self.problems]}


class Invalid(DomainError):
    status = 400


class Conflict(DomainError):
    """The write collides with existing data (duplicate, or changed since it was read)."""

    status = 409


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


@dataclass
class ProblemList:
    """Collects problems while validating, then raises them all at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str = "invalid",
        row: int | None = None,
        link: str | None = None,
    ) -> None:
        self.problems.append(Problem(message=message, field=field, code=code, row=row, link=link))

    def raise_if_any(self, exc: type[DomainError] = Invalid) -> None:
        if self.problems:
            raise exc(*self.problems)
