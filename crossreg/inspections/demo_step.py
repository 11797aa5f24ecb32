"""The demo's officer logins: every officer assigned to a demo task can sign in.

Runs after sampling's demo step (which draws the officers): each officer on a task that is not
cancelled gets a user ``officer-<certificate number>`` (role officer, their department) if they
have none, and every such user without a usable password gets the demo password
(``crossreg-demo``), so that both officers of a joint task can confirm it and the lead can submit.
Users that already have a password (the named demo users) are left as they are. Idempotent.
Documented in docs/demo-logins.md.
"""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import transaction

from crossreg.core.demo import DemoContext
from crossreg.inspections.models import TaskOfficer, TaskStatus
from crossreg.orgs.models import Officer, User
from crossreg.synth.people import DEMO_HASH_ITERATIONS, DEMO_PASSWORD


def officer_username(officer: Officer) -> str:
    return f"officer-{officer.certificate_no}"


@transaction.atomic
def officer_logins_ensure() -> tuple[int, int]:
    """(users created, passwords set) for the officers of every task not cancelled."""
    hasher = PBKDF2PasswordHasher()
    ids = (
        TaskOfficer.objects.exclude(task__status=TaskStatus.CANCELLED)
        .values_list("officer_id", flat=True)
        .distinct()
    )
    officers = list(Officer.objects.filter(pk__in=ids).select_related("user").order_by("certificate_no"))
    created = passwords = 0
    for officer in officers:
        user = officer.user
        if user is None:
            user = User.objects.filter(username=officer_username(officer)).first() or User(
                username=officer_username(officer),
                display_name=officer.name,
                role=User.Role.OFFICER,
                department_id=officer.department_id,
            )
            if user.pk is None:
                created += 1
            user.set_unusable_password()
            user.save()
            officer.user = user
            officer.save(update_fields=["user"])
        if not user.has_usable_password():
            user.password = hasher.encode(DEMO_PASSWORD, hasher.salt(), iterations=DEMO_HASH_ITERATIONS)
            user.save(update_fields=["password"])
            passwords += 1
    return created, passwords


def demo_step(ctx: DemoContext) -> str:
    created, passwords = officer_logins_ensure()
    example = (
        User.objects.filter(username__startswith="officer-", officer__task_assignments__isnull=False)
        .order_by("username")
        .values_list("username", flat=True)
        .first()
    )
    return (
        f"officer logins: {created} created, {passwords} given the demo password"
        f" (username officer-<certificate no>, e.g. {example or '—'}; password {DEMO_PASSWORD})"
    )
