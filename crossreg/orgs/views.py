"""The read audit page: who looked at which company's or person's personal data, and every export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crossreg.orgs import selectors
from crossreg.orgs.models import DataAccess
from crossreg.orgs.permissions import Principal


@login_required
def data_access_list(request: HttpRequest) -> HttpResponse:
    principal = Principal.of(request)
    if not selectors.data_access_may_query(principal):
        raise PermissionDenied
    filters = {k: request.GET.get(k, "").strip() for k in ("subject_type", "subject_id", "actor", "kind")}
    qs = selectors.data_access_visible(principal, **filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/access.html",
        {"page": page, "filters": filters, "kinds": DataAccess.Kind.choices},
    )


def _next(request: HttpRequest) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    from django.conf import settings
    from django.shortcuts import resolve_url

    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Turn TOTP on: an unconfirmed device is made, shown as a QR code, confirmed by one code."""
    import base64

    import segno
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from crossreg.orgs.security import otp_required

    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
    error = ""
    if request.method == "POST":
        if device.verify_token(request.POST.get("token", "").strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
            otp_login(request, device)
            return redirect(_next(request))
        error = _("验证码不正确，请重试")
    svg = segno.make(device.config_url, error="m").svg_inline(scale=4)
    qr = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "orgs/otp_setup.html",
        {"qr": qr, "secret": secret, "error": error, "required": otp_required(request.user)},
    )


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _
    from django_otp import devices_for_user
    from django_otp import login as otp_login

    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "").strip()
        for device in devices_for_user(request.user, confirmed=True):
            if device.verify_token(token):
                otp_login(request, device)
                return redirect(_next(request))
        error = _("验证码不正确，请重试")
    return render(request, "orgs/otp_verify.html", {"error": error})
