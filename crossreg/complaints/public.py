"""Flood protection of the public form, self-hosted: a rate limit per address and a challenge.

The challenge is a small sum (“3 加 8 等于几？”) whose answer is carried in a token signed with
Django's ``TimestampSigner`` (valid ``COMPLAINT_CHALLENGE_MAX_AGE`` seconds, spent once). No
external captcha service is called and nothing is stored until a form is posted. The rate limit
counts an address's submissions in the last hour (its HMAC, never the address itself); the
default, 5 an hour, lets a person submit twice (or correct a mistake) without being blocked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crossreg.complaints import conf
from crossreg.complaints.models import IntakeHit, UsedChallenge
from crossreg.core.errors import Invalid

_SALT = "crossreg.complaints.challenge"


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def challenge_issue() -> Challenge:
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    nonce = secrets.token_hex(8)
    token = signing.TimestampSigner(salt=_SALT).sign(f"{a + b}:{nonce}")
    return Challenge(question=_("%(a)d 加 %(b)d 等于几？") % {"a": a, "b": b}, token=token)


def challenge_check(token: str, answer: str) -> None:
    """The answer is right, the token genuine, fresh and not used before; else ``Invalid``."""
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(
            token or "", max_age=int(conf.get("COMPLAINT_CHALLENGE_MAX_AGE"))
        )
    except signing.SignatureExpired:
        raise Invalid(_("验证题已过期，请重新回答。"), field="challenge", code="expired") from None
    except signing.BadSignature:
        raise Invalid(_("验证题无效，请重新回答。"), field="challenge", code="invalid") from None
    expected = value.split(":", 1)[0]
    if (answer or "").strip() != expected:
        raise Invalid(_("验证题答案不对。"), field="challenge", code="wrong")
    digest = hashlib.sha256(token.encode()).hexdigest()
    try:
        with transaction.atomic():
            UsedChallenge.objects.create(digest=digest)
    except IntegrityError:
        raise Invalid(_("这道验证题已经用过，请回答新的一题。"), field="challenge", code="used") from None


def address_hash(address: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), (address or "").encode(), hashlib.sha256).hexdigest()


def throttle_check(address: str, *, now: dt.datetime | None = None) -> None:
    """Refuse when the address has submitted ``COMPLAINT_RATE_LIMIT_PER_HOUR`` times this hour."""
    now = now or timezone.now()
    limit = int(conf.get("COMPLAINT_RATE_LIMIT_PER_HOUR"))
    n = IntakeHit.objects.filter(
        address_hash=address_hash(address), at__gte=now - dt.timedelta(hours=1)
    ).count()
    if n >= limit:
        raise Invalid(
            _("提交过于频繁，请一小时后再试；紧急情况请拨打 12345。"), field="rate_limit", code="rate_limited"
        )


def throttle_hit(address: str, *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    IntakeHit.objects.create(address_hash=address_hash(address), at=now)
    IntakeHit.objects.filter(at__lt=now - dt.timedelta(days=1)).delete()
    UsedChallenge.objects.filter(at__lt=now - dt.timedelta(days=1)).delete()
