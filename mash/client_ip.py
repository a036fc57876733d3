"""The real client address behind the configured trusted proxies (for django-axes' lockout and the audit).

With no TRUSTED_PROXIES, the address is REMOTE_ADDR (a header anyone can send is never believed). Behind a load
balancer, list its addresses or networks: when the request comes from one of them, X-Forwarded-For is read from the
right, skipping trusted proxies, and the first address that is not one is the client's. A spoofed left-most entry
cannot choose the address that is locked out.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    if not settings.TRUSTED_PROXIES or not _trusted(remote):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # a malformed header: the proxy's own address rather than a made-up one
    return remote
