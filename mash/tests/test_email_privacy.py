"""E-mails carry no personal data (issue 13): to a user, what kind of item, its reference and "sign in"; to a
referrer, the service's own words naming no one. Driven through the seeded demo's own flows: no e-mail's subject or
body holds any name from the seeded data."""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from mash import deadlines, notify

pytestmark = pytest.mark.django_db


def seeded_names() -> set[str]:
    from agencies.models import User
    from contacts.models import Contact, Person

    names = set()
    for first, last in Person.objects.values_list("first_name", "last_name"):
        names |= {first, last}
    for first, last in User.objects.values_list("first_name", "last_name"):
        names |= {first, last}
    for (referrer,) in Contact.objects.values_list("referrer_name"):
        names |= set(referrer.split())
    return {name for name in names if len(name) >= 3}


def test_no_e_mail_from_the_seeded_flows_names_anyone(settings, django_capture_on_commit_callbacks):
    settings.DEMO_MODE = True
    with django_capture_on_commit_callbacks(execute=False):
        call_command("seed_demo", stdout=StringIO())
        deadlines.sweep()  # warnings and breaches on the demo's clocks: their e-mails too
    notify.deliver_pending(limit=10_000)
    assert len(mail.outbox) >= 3, "the seeded flows sent hardly any e-mail: this test would prove nothing"
    names = seeded_names()
    assert len(names) > 20
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names)) + r")\b")
    # the in-app notifications do name people (behind sign-in and the second factor): the e-mails must not
    from mash.models import Notification

    assert any(pattern.search(f"{n.subject}\n{n.body}") for n in Notification.objects.exclude(email=""))
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        assert not pattern.search(text), (pattern.search(text).group(0), text)


def test_a_users_e_mail_says_kind_reference_and_sign_in_only(personas, settings):
    settings.SITE_URL = "https://mash.anytown.gov.uk"
    notify.notification_queue(recipient=personas.manager, kind="contact_immediate_risk",
                              subject="Immediate risk: C-2026-000042", link="/contacts/C-2026-000042/",
                              body="Sam recorded contact C-2026-000042 (Ava Brown, 6) and marked it an immediate risk.")
    notify.deliver_pending()
    [message] = mail.outbox
    assert message.subject == "MASH front door: Immediate risk C-2026-000042"
    assert "Ava" not in message.body and "Brown" not in message.body and "Sam" not in message.body
    assert "Sign in to see it: https://mash.anytown.gov.uk/contacts/C-2026-000042/" in message.body


def test_only_addresses_in_the_configured_domains_are_sent_to(personas, settings):
    settings.NOTIFY_EMAIL_DOMAINS = ["example.gov.uk"]
    notify.notification_queue(recipient=personas.manager, kind="rating", subject="Rating to approve: C-1")
    outside = notify.notification_queue(recipient=None, email="someone@gmail.example", kind="referrer_feedback",
                                        subject="Outcome", body="b")
    result = notify.deliver_pending()
    assert [m.to for m in mail.outbox] == [["manager@example.gov.uk"]]
    outside.refresh_from_db()
    assert outside.failed_at is not None and "NOTIFY_EMAIL_DOMAINS" in outside.last_error
    assert result.sent == 1 and result.gave_up == 1


def test_an_inactive_user_gets_nothing(personas):
    personas.screener.is_active = False
    personas.screener.save()
    assert notify.notification_queue(recipient=personas.screener, kind="rating", subject="x") is None
