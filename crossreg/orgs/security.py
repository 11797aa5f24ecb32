"""Sign-in and session hardening (docs/deployment.md, "Sign-in and sessions").

* Failed sign-ins are throttled by django-axes, per account and per address, with a lockout that an
  administrator lifts in the admin (Axes › access attempts: delete) or with ``manage.py axes_reset``.
* :class:`SessionTimeoutMiddleware`: a session ends after ``CROSSREG_SESSION_IDLE_SECONDS`` without a
  request (default 30 minutes) and ``CROSSREG_SESSION_MAX_SECONDS`` after sign-in however active.
* :class:`OtpRequiredMiddleware`: administrators must pass a TOTP code (django-otp) before any page;
  anyone else may turn TOTP on (``/orgs/otp/setup/``) and is then asked for it at every sign-in.
* Every sign-in, failure, lockout, logout and timeout is recorded: axes keeps access logs and
  failures in the database (admin: Axes), and each is also a line on the ``crossreg.security`` log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

log = logging.getLogger("crossreg.security")

SESSION_LOGIN_AT = "_crossreg_login_at"
SESSION_SEEN_AT = "_crossreg_seen_at"
SEEN_WRITE_EVERY = 60  # seconds: the idle clock is kept to a minute, the session saved at most that often


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind the proxy (REMOTE_ADDR one of CROSSREG_FORWARDED_ALLOW_IPS), the
    last X-Forwarded-For entry — the one nginx appended — else REMOTE_ADDR. Used by axes."""
    remote = request.META.get("REMOTE_ADDR")
    trusted = getattr(settings, "CROSSREG_TRUSTED_PROXIES", ["127.0.0.1", "::1"])
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if remote in trusted and forwarded:
        return forwarded.split(",")[-1].strip() or remote
    return remote


class LoginThrottleBackend(AxesStandaloneBackend):
    """axes' check for every sign-in through a request. ``authenticate()`` without a request (the test
    client's ``login()``, scripts) has no address to throttle by and passes to the next backend."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def _idle_seconds(request: HttpRequest) -> int:
    return int(getattr(settings, "CROSSREG_SESSION_IDLE_SECONDS", 1800))


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            login_at = int(session.get(SESSION_LOGIN_AT, now))
            seen_at = int(session.get(SESSION_SEEN_AT, now))
            idle = _idle_seconds(request)
            lifetime = int(getattr(settings, "CROSSREG_SESSION_MAX_SECONDS", 43200))
            reason = "idle" if now - seen_at > idle else "lifetime" if now - login_at > lifetime else ""
            if reason:
                log.info("session ended", extra={"event": f"session.{reason}", "user": user.get_username()})
                logout(request)
                if request.path.startswith("/api/"):
                    return HttpResponse(status=401)
                return redirect_to_login(request.get_full_path())
            session.setdefault(SESSION_LOGIN_AT, now)
            if now - seen_at >= SEEN_WRITE_EVERY or SESSION_SEEN_AT not in session:
                session[SESSION_SEEN_AT] = now
        return self.get_response(request)


OTP_EXEMPT_PREFIXES = ("/orgs/otp/", "/logout/", "/login/", "/static/", "/healthz", "/readyz", "/i18n/")


def otp_required(user: Any) -> bool:
    """Administrators always; others once they have a confirmed device."""
    from django_otp import user_has_device

    from crossreg.orgs.permissions import Principal

    if user_has_device(user):
        return True
    admins = getattr(settings, "CROSSREG_OTP_REQUIRED_FOR_ADMINS", True)
    return bool(admins and (Principal.of(user).is_admin or user.is_staff))


class OtpRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(OTP_EXEMPT_PREFIXES)
            and not user.is_verified()
            and otp_required(user)
        ):
            from django_otp import user_has_device

            target = "orgs:otp_verify" if user_has_device(user) else "orgs:otp_setup"
            if request.path.startswith("/api/"):
                return HttpResponse(status=401)
            response = redirect(target)
            response["Location"] += f"?next={request.get_full_path()}"
            return response
        return self.get_response(request)


# -- every sign-in event on the security log (axes keeps them in the database) --------------------
@receiver(user_logged_in, dispatch_uid="crossreg-security-login")
def _logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SESSION_LOGIN_AT] = now
        request.session[SESSION_SEEN_AT] = now
    log.info("signed in", extra={"event": "login", "user": user.get_username(), "ip": _ip(request)})


@receiver(user_logged_out, dispatch_uid="crossreg-security-logout")
def _logged_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    name = user.get_username() if user is not None else ""
    log.info("signed out", extra={"event": "logout", "user": name, "ip": _ip(request)})


@receiver(user_login_failed, dispatch_uid="crossreg-security-failed")
def _failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    log.warning(
        "sign-in failed",
        extra={
            "event": "login.failed",
            "user": str(credentials.get("username", ""))[:150],
            "ip": _ip(request),
        },
    )


@receiver(user_locked_out, dispatch_uid="crossreg-security-lockout")
def _locked(
    sender: Any,
    request: HttpRequest,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    log.warning(
        "locked out", extra={"event": "login.lockout", "user": username or "", "ip": ip_address or ""}
    )


def _ip(request: HttpRequest | None) -> str:
    return (client_ip(request) or "") if request is not None else ""
