"""The lockout keys on the real client address behind the configured trusted proxies (mash.client_ip)."""

import pytest
from django.test import RequestFactory

from conftest import PASSWORD
from mash.client_ip import client_ip


def request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_never_believed(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


@pytest.mark.parametrize(("remote", "forwarded", "expected"), [
    ("10.0.0.5", "198.51.100.7", "198.51.100.7"),  # through the load balancer
    ("10.0.0.5", "1.1.1.1, 198.51.100.7", "198.51.100.7"),  # a spoofed left-most entry is ignored
    ("10.0.0.5", "198.51.100.7, 10.0.0.6", "198.51.100.7"),  # two trusted hops
    ("203.0.113.9", "198.51.100.7", "203.0.113.9"),  # not from the proxy: the header is not believed
    ("10.0.0.5", "not-an-address", "10.0.0.5"),
    ("10.0.0.5", "", "10.0.0.5"),
])
def test_behind_a_trusted_proxy_the_client_is_the_first_untrusted_hop(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert client_ip(request(remote, forwarded)) == expected


@pytest.mark.django_db
def test_the_lockout_locks_the_real_client_not_the_proxy(personas, client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    attacker = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    for _ in range(settings.AXES_FAILURE_LIMIT_PER_ACCOUNT):
        client.post("/sign-in/", {"username": "screener", "password": "wrong"}, **attacker)
    locked = client.post("/sign-in/", {"username": "screener", "password": PASSWORD}, **attacker)
    assert locked.status_code == 429
    # the same user from another client behind the same proxy still signs in
    from django.test import Client

    other = Client().post("/sign-in/", {"username": "screener", "password": PASSWORD},
                          REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other.status_code == 302


@pytest.mark.django_db
def test_password_spraying_across_accounts_locks_out_the_address(personas, client, settings):
    """A few guesses at each of many accounts from one address (never the per-account limit at any): once the
    address has failed AXES_FAILURE_LIMIT_PER_ADDRESS times in all, it is locked out for every account, the right
    password included; another address, and the accounts themselves elsewhere, are untouched."""
    from django.test import Client

    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    settings.AXES_FAILURE_LIMIT_PER_ADDRESS = 8
    sprayer = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    names = ["screener2", "manager", "police", "health", "admin", "nobody", "outsider"]
    assert settings.AXES_FAILURE_LIMIT_PER_ACCOUNT > 1 and len(names) == settings.AXES_FAILURE_LIMIT_PER_ADDRESS - 1
    for name in names:  # one guess each: below the per-account limit everywhere
        response = client.post("/sign-in/", {"username": name, "password": "Winter2026!"}, **sprayer)
        assert response.status_code == 200, name  # the form again, with its message: not yet throttled
    # One short of the address's limit: the next guess is the last
    last = client.post("/sign-in/", {"username": "screener", "password": "Winter2026!"}, **sprayer)
    assert last.status_code == 429
    refused = client.post("/sign-in/", {"username": "screener", "password": PASSWORD}, **sprayer)
    assert refused.status_code == 429  # the address is locked out, even with a right password
    elsewhere = Client().post("/sign-in/", {"username": "screener", "password": PASSWORD},
                              REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert elsewhere.status_code == 302


@pytest.mark.django_db
def test_a_few_failures_at_one_address_below_both_limits_do_not_lock(personas, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT_PER_ACCOUNT - 1):
        client.post("/sign-in/", {"username": "screener", "password": "wrong"})
    client.post("/sign-in/", {"username": "manager", "password": "wrong"})
    assert client.post("/sign-in/", {"username": "screener", "password": PASSWORD}).status_code == 302
