"""Where a department's webhook may point (server-side request forgery).

A department administrator configures a webhook target in the UI; the delivery worker then POSTs to
that address from inside the platform's network. Left open, that is a way to reach what only the
platform can reach: the database, the broker, the worker's loopback, a cloud's metadata address. So a
target configured by anyone but a system administrator is *restricted*:

- loopback, link-local (169.254.0.0/16: cloud metadata), "this network", carrier-grade NAT,
  multicast and reserved addresses are refused;
- private addresses (10/8, 172.16/12, 192.168/16, fc00::/7) are refused too, unless the city lists
  the ranges its department systems live in (the e-government extranet, 政务外网) in
  ``OUTBOX_WEBHOOK_ALLOWED_NETWORKS`` — a list of CIDRs that is also the way to allow anything else;
- the host must resolve, and every address it resolves to must pass.

The check runs when the address is set and again before each delivery batch (a name may resolve
elsewhere later). National and provincial targets are configured by system administrators and are
not restricted. The window between the batch's check and the connection is not closed (pinning the
checked address would break TLS host verification); the reverse proxy's egress rules are the second
line (docs/deployment.md).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from crossreg.outbox import conf

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Never reachable from a restricted target unless listed in OUTBOX_WEBHOOK_ALLOWED_NETWORKS.
DENIED: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "100.64.0.0/10",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "fe80::/10",
        "ff00::/8",
    )
)


def allowed_networks() -> tuple[Network, ...]:
    return tuple(
        ipaddress.ip_network(str(n), strict=False) for n in conf.get("OUTBOX_WEBHOOK_ALLOWED_NETWORKS")
    )


def address_refusal(address: Address, allowed: tuple[Network, ...] | None = None) -> str | None:
    """Why a restricted target may not reach ``address``, or None."""
    allowed = allowed_networks() if allowed is None else allowed
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in n for n in allowed if n.version == address.version):
        return None
    if any(address in n for n in DENIED if n.version == address.version) or address.is_reserved:
        return _("地址 %(ip)s 属于本机、链路本地或保留地址，部门系统不能使用。") % {"ip": address}
    if address.is_private:
        return _("地址 %(ip)s 是内网地址，不在允许的网段（OUTBOX_WEBHOOK_ALLOWED_NETWORKS）内。") % {
            "ip": address
        }
    return None


def url_refusal(url: str) -> str | None:
    """Why a restricted webhook target may not use ``url`` (resolving its host), or None."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        return _("地址必须是 http:// 或 https:// 开头的完整网址。")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return _("地址的端口无效。")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return _("无法解析主机名 %(host)s。") % {"host": host}
    allowed = allowed_networks()
    for info in infos:
        refusal = address_refusal(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]), allowed)
        if refusal:
            return refusal
    return None
