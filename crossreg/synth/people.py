"""Enforcement officers for every department and team, and the demo users (one for every role).

Certificate numbers follow the common provincial pattern: issuing division (6 digits) + year of
issue + a 4-digit sequence, e.g. ``32090020210001``. About 3% of certificates have expired and 2%
of officers are suspended, so that assignment code meets both. All demo users share one password,
:data:`DEMO_PASSWORD`; its hash is computed once (PBKDF2 per user would cost seconds).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone

from crossreg.orgs.data import departments as dep_data
from crossreg.orgs.data.divisions import CITY_CODE, COUNTIES, TOWNSHIPS
from crossreg.orgs.models import Department, Officer, Team, User
from crossreg.synth.generate import person_name

DEMO_PASSWORD = "crossreg-demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    department: str | None
    officer: bool = False
    superuser: bool = False
    note: str = ""


DEMO_HASH_ITERATIONS = 20_000


def demo_users() -> list[DemoUser]:
    """Every demo login, in the order documented in docs/demo-logins.md."""
    users = [
        DemoUser(
            "admin", "系统管理员", User.Role.ADMIN, None, superuser=True, note="superuser, Django admin"
        ),
        DemoUser("leader", "市政府领导", User.Role.LEADER, "szf", note="sees every department"),
        DemoUser("spj_approval", "市行政审批局", User.Role.APPROVAL, "spj", note="owns the catalog"),
        DemoUser("sfj_justice", "市司法局", User.Role.JUSTICE, "sfj", note="legality review"),
        DemoUser("dsj_bigdata", "市大数据管理局", User.Role.BIGDATA, "dsj", note="data standards, sees all"),
    ]
    for d in dep_data.SUPERVISING:
        users.append(DemoUser(f"{d.code}_staff", f"{d.short_name}工作人员", User.Role.STAFF, d.code))
        users.append(DemoUser(f"{d.code}_admin", f"{d.short_name}管理员", User.Role.DEPT_ADMIN, d.code))
        users.append(
            DemoUser(f"{d.code}_officer", f"{d.short_name}执法人员", User.Role.OFFICER, d.code, officer=True)
        )
        users.append(
            DemoUser(
                f"{d.code}_head",
                f"{d.short_name}负责人",
                User.Role.DEPT_HEAD,
                d.code,
                note="files and decides cases",
            )
        )
        users.append(
            DemoUser(
                f"{d.code}_legal",
                f"{d.short_name}法制审核",
                User.Role.LEGAL,
                d.code,
                note="legal review of cases",
            )
        )
    users += [
        DemoUser(
            "fgw_credit",
            "市发改委信用科",
            User.Role.CREDIT,
            "fgw",
            note="credit evaluation, repair, objections",
        ),
        DemoUser(
            "hotline", "12345热线话务员", User.Role.HOTLINE, "szf", note="records and routes complaints"
        ),
        DemoUser(
            "scjg_finance", "市场监管局财务科", User.Role.FINANCE, "scjg", note="approves report rewards"
        ),
        DemoUser("auditor", "纪检审计人员", User.Role.AUDITOR, "szf", note="auditor bundles of the draws"),
    ]
    for c in COUNTIES:
        users.append(
            DemoUser(
                f"spj{c.code}_approval",
                f"{c.name}行政审批局",
                User.Role.APPROVAL,
                f"spj-{c.code}",
                note="county",
            )
        )
    first = TOWNSHIPS[0]
    users.append(
        DemoUser(
            "town_officer",
            f"{first.name}综合执法队员",
            User.Role.OFFICER,
            f"gov-{first.county}",
            officer=True,
            note=f"{first.name}综合行政执法队 (mobile enforcement)",
        )
    )
    return users


@dataclass
class PeopleCounts:
    officers: int
    users: int


CERTIFICATE_YEARS = 6  # an enforcement certificate's term in the synthetic city
EXPIRED_SHARE = 0.03  # a few percent have lapsed (awaiting renewal or leaving enforcement)


def _validity(rng: random.Random, today: dt.date) -> tuple[dt.date, dt.date]:
    """An officer's certificate term, relative to ``today``: about 3% expired within the last two
    years; the rest run out evenly over the next six years, so about 4% are due within 90 days (the
    dashboard's warning) and none is older than its term."""
    term = dt.timedelta(days=CERTIFICATE_YEARS * 365)
    if rng.random() < EXPIRED_SHARE:
        end = today - dt.timedelta(days=1 + rng.randrange(730))
    else:
        end = today + dt.timedelta(days=rng.randrange(CERTIFICATE_YEARS * 365))
    return end - term, end


def people_seed(seed: int, *, today: dt.date | None = None) -> PeopleCounts:
    """Create every department's officers and the demo users (replacing earlier synthetic ones).
    Certificate terms are set around ``today`` (default: the current date), so the city looks the
    same whenever it is generated: a few percent expired, some due soon."""
    today = today or timezone.localdate()
    rng = random.Random(f"crossreg-synth:{seed}:officers")
    usernames = [u.username for u in demo_users()]
    Officer.objects.filter(user__username__in=usernames).update(user=None)
    User.objects.filter(username__in=usernames).delete()
    Officer.domains.through.objects.all().delete()
    Officer.objects.all().delete()

    teams = {(t.department_id, t.name): t for t in Team.objects.all()}
    seqs: dict[tuple[str, int], int] = defaultdict(int)
    officers: list[Officer] = []
    domains: list[tuple[int, tuple[str, ...]]] = []

    def add(dept: str, team: Team | None, division: str, qualified: tuple[str, ...]) -> None:
        start, end = _validity(rng, today)
        issuer = division[:6] if division[:6] != CITY_CODE else CITY_CODE
        seqs[(issuer, start.year)] += 1
        cert = f"{issuer}{start.year}{seqs[(issuer, start.year)]:04d}"
        status = Officer.Status.SUSPENDED if rng.random() < 0.02 else Officer.Status.ACTIVE
        officers.append(
            Officer(
                certificate_no=cert,
                name=person_name(rng),
                department_id=dept,
                team=team,
                division_id=division,
                valid_from=start,
                valid_until=end,
                status=status,
            )
        )
        domains.append((len(officers) - 1, qualified))

    for d in dep_data.SUPERVISING:
        city_team = teams.get((d.code, d.team))
        for _ in range(d.officers):
            qualified = tuple(x for x in d.domains if rng.random() < 0.8) or d.domains[:1]
            if d.comprehensive and rng.random() < 0.7:
                county = rng.choice(COUNTIES)
                add(d.code, teams.get((d.code, f"{d.team}{county.short}大队")), county.code, qualified)
            else:
                add(d.code, city_team, CITY_CODE, qualified)
    for t in TOWNSHIPS:
        team = teams.get((f"gov-{t.county}", f"{t.name}综合行政执法队"))
        for _ in range(dep_data.TOWNSHIP_OFFICERS):
            qualified = tuple(x for x in dep_data.TOWNSHIP_TEAM_DOMAINS if rng.random() < 0.6) or ("food",)
            add(f"gov-{t.county}", team, t.code, qualified)

    Officer.objects.bulk_create(officers, batch_size=1000)
    by_cert = dict(Officer.objects.values_list("certificate_no", "pk"))
    through = Officer.domains.through
    through.objects.bulk_create(
        [
            through(officer_id=by_cert[officers[i].certificate_no], domain_id=code)
            for i, codes in domains
            for code in codes
        ],
        batch_size=2000,
    )

    # Each demo user gets its own salt (one shared hash would show that they share a password). The
    # demo hashes at a low PBKDF2 cost so that 68 users take well under a second; the iteration count
    # is part of each hash, so Django upgrades a user's hash to the full cost at their first sign-in.
    hasher = PBKDF2PasswordHasher()
    known_depts = set(Department.objects.values_list("code", flat=True))
    created: list[User] = []
    for u in demo_users():
        user = User(
            username=u.username,
            display_name=u.display_name,
            role=u.role,
            department_id=u.department if u.department in known_depts else None,
            is_staff=u.superuser,
            is_superuser=u.superuser,
            password=hasher.encode(DEMO_PASSWORD, hasher.salt(), iterations=DEMO_HASH_ITERATIONS),
        )
        created.append(user)
    User.objects.bulk_create(created)
    for u in demo_users():
        if not u.officer:
            continue
        officer = (
            Officer.objects.filter(
                department_id=u.department,
                status=Officer.Status.ACTIVE,
                valid_from__lte=today,
                valid_until__gte=today + dt.timedelta(days=365),  # a demo login that stays valid
                user__isnull=True,
            )
            .order_by("certificate_no")
            .first()
        )
        if officer is not None:
            officer.user = User.objects.get(username=u.username)
            officer.save(update_fields=["user"])
            User.objects.filter(username=u.username).update(display_name=f"{officer.name}({u.display_name})")
    return PeopleCounts(officers=len(officers), users=len(created))
