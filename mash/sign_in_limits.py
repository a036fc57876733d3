"""How many failed sign-ins django-axes allows: per account at one address, and across accounts from one address
(password spraying: a few guesses at each of many user names).

Axes counts failures for each of AXES_LOCKOUT_PARAMETERS (the user name at an address; the address alone) and
compares the largest count with one limit (AXES_FAILURE_LIMIT, which may be a callable). The address's count is
never below the account's, so the limit given here decides which rule applies: once this user name has failed
AXES_FAILURE_LIMIT_PER_ACCOUNT times at this address, that is the limit (the account is locked there); otherwise
the address may fail AXES_FAILURE_LIMIT_PER_ADDRESS times in all, across every user name it tried, before it is
locked out for everyone signing in from it (for the cool-off, AXES_COOLOFF_TIME). The address is the real
client's behind the configured trusted proxies (mash.client_ip)."""

from django.conf import settings
from django.db.models import Sum


def failure_limit(request, credentials) -> int:
    from axes.helpers import get_client_username
    from axes.models import AccessAttempt

    per_account = settings.AXES_FAILURE_LIMIT_PER_ACCOUNT
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None)
    if username is None or address is None:
        return per_account
    failed = AccessAttempt.objects.filter(username=username, ip_address=address).aggregate(
        n=Sum("failures_since_start"))["n"] or 0
    return per_account if failed >= per_account else settings.AXES_FAILURE_LIMIT_PER_ADDRESS
