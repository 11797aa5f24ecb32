"""Sign-in hardening: lockout per account and per address and its lifting, idle and absolute session
limits, TOTP for administrators (optional for others), every sign-in event recorded."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.utils import reset
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from crossreg.orgs.models import User
from crossreg.orgs.security import SESSION_LOGIN_AT, SESSION_SEEN_AT

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-demo-passphrase-42"


@pytest.fixture
def alice() -> User:
    return User.objects.create_user(username="alice", password=PASSWORD, role=User.Role.STAFF)


def login(client: Any, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_account_even_with_the_right_password_then_an_admin_unlocks(
    client: Any, alice: User
) -> None:
    for _ in range(5):
        assert login(client, "alice", "wrong").status_code in {200, 429}
    locked = login(client, "alice", PASSWORD, ip="10.9.9.9")  # another address: the account is locked
    assert locked.status_code == 429 and "锁定" in locked.content.decode()
    assert AccessFailureLog.objects.filter(username="alice").count() >= 5
    reset(username="alice")  # what the admin's "delete access attempt" / axes_reset does
    assert login(client, "alice", PASSWORD, ip="10.9.9.9").status_code == 302


def test_failures_from_one_address_lock_that_address_for_every_account(client: Any, alice: User) -> None:
    for i in range(5):
        login(client, f"nobody{i}", "wrong", ip="10.6.6.6")
    assert login(client, "alice", PASSWORD, ip="10.6.6.6").status_code == 429
    assert login(client, "alice", PASSWORD, ip="10.7.7.7").status_code == 302
    assert AccessAttempt.objects.filter(ip_address="10.6.6.6").exists()


def test_the_address_behind_the_proxy_is_the_forwarded_one(client: Any, alice: User) -> None:
    for i in range(5):
        client.post(
            reverse("login"),
            {"username": f"x{i}", "password": "bad"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
    other = client.post(
        reverse("login"),
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert other.status_code == 302  # the proxy's own address was not locked


def test_sign_in_and_sign_out_are_recorded(client: Any, alice: User) -> None:
    assert login(client, "alice", PASSWORD).status_code == 302
    assert AccessLog.objects.filter(username="alice", logout_time__isnull=True).count() == 1
    client.post(reverse("logout"))
    assert AccessLog.objects.get(username="alice").logout_time is not None


def _age_session(client: Any, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[{"seen": SESSION_SEEN_AT, "login": SESSION_LOGIN_AT}[key]] = now - ago
    session.save()


def test_an_idle_session_ends_after_thirty_minutes(client: Any, alice: User, settings: Any) -> None:
    assert settings.CROSSREG_SESSION_IDLE_SECONDS == 1800
    login(client, "alice", PASSWORD)
    _age_session(client, seen=1700)
    assert client.get(reverse("dashboard")).status_code == 200  # 28 minutes: still signed in
    _age_session(client, seen=1801)
    gone = client.get(reverse("dashboard"))
    assert gone.status_code == 302 and reverse("login") in gone["Location"]
    assert client.get(reverse("dashboard")).status_code == 302  # signed out for good
    assert AccessLog.objects.get(username="alice").logout_time is not None


def test_an_active_session_still_ends_at_its_absolute_lifetime(
    client: Any, alice: User, settings: Any
) -> None:
    login(client, "alice", PASSWORD)
    _age_session(client, seen=10, login=settings.CROSSREG_SESSION_MAX_SECONDS + 1)
    assert client.get(reverse("dashboard")).status_code == 302


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.mark.otp
def test_an_administrator_must_set_up_and_pass_totp(client: Any) -> None:
    User.objects.create_user(username="root", password=PASSWORD, role=User.Role.ADMIN)
    assert login(client, "root", PASSWORD).status_code == 302
    page = client.get(reverse("dashboard"))
    assert page.status_code == 302 and reverse("orgs:otp_setup") in page["Location"]
    setup = client.get(reverse("orgs:otp_setup"))
    assert "data:image/svg+xml;base64," in setup.content.decode()
    device = TOTPDevice.objects.get(user__username="root", confirmed=False)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert secret in setup.content.decode()
    wrong = "000000" if code_for(device) != "000000" else "111111"
    assert "验证码不正确" in client.post(reverse("orgs:otp_setup"), {"token": wrong}).content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows down guessing after a failure; the test need not wait
    done = client.post(reverse("orgs:otp_setup") + "?next=/dashboard/", {"token": code_for(device)})
    assert done.status_code == 302 and done["Location"] == "/dashboard/"
    assert client.get(reverse("dashboard")).status_code == 200
    # The next sign-in asks for a code again (verify, not setup).
    client.post(reverse("logout"))
    login(client, "root", PASSWORD)
    again = client.get(reverse("dashboard"))
    assert again.status_code == 302 and reverse("orgs:otp_verify") in again["Location"]
    device.refresh_from_db()
    device.last_t = -1  # the same 30-second step's code may not be used twice; allow it here
    device.save()
    assert client.post(reverse("orgs:otp_verify"), {"token": code_for(device)}).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.otp
def test_totp_is_optional_for_others(client: Any, alice: User) -> None:
    login(client, "alice", PASSWORD)
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_malformed_multipart_request_gets_400_not_a_traceback(client: Any, alice: User) -> None:
    client.force_login(alice)
    for content_type in ("multipart/form-data", "multipart/form-data; boundary="):
        r = client.generic("POST", reverse("logout"), b"--x\r\nbroken", content_type=content_type)
        assert r.status_code == 400, content_type
        assert b"Traceback" not in r.content
