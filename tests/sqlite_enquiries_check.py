"""Run by tests/test_enquiries_sqlite.py in a process of its own, on SQLite (`make run`'s default database).

The enquiry demo seeds on SQLite; each partner's inbox lists their agency's requests only; police returns through
the pages; a submitted return cannot be changed (no trigger on SQLite: the model refuses it); the sweep breaches the
overdue request and tells police's partners and the manager; the manager reads the sensitive section (audited); the
outcome tells every agency that contributed.
"""

import os
import sys

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from tests import verified_sessions  # noqa: E402  (sign-ins give their second factor, as in conftest)

verified_sessions.install()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", contacts=0, verbosity=0)  # users and agencies only
call_command("seed_enquiry_demo", verbosity=0)

from agencies.models import User  # noqa: E402
from contacts import services as contact_services  # noqa: E402
from enquiries.models import AgencyReturn, InformationRequest  # noqa: E402
from mash import deadlines  # noqa: E402
from mash.models import AuditEvent, Escalation, Notification  # noqa: E402

assert connection.vendor == "sqlite", connection.vendor
users = {u.username: u for u in User.objects.all()}
clients = {}
for name in ("manager", "police", "health", "school"):
    clients[name] = Client(SERVER_NAME="localhost")
    clients[name].force_login(users[name])

# Each partner sees their own agency's requests, and nothing of another's.
for name in ("police", "health", "school"):
    html = clients[name].get("/partner/").content.decode()
    own = InformationRequest.objects.filter(agency=users[name].agency)
    others = InformationRequest.objects.exclude(agency=users[name].agency)
    assert own.exists() and all(f'data-testid="request-{r.pk}"' in html for r in own), name
    assert not any(f'data-testid="request-{r.pk}"' in html for r in others), name
    for r in others[:2]:
        assert clients[name].get(f"/partner/requests/{r.pk}/").status_code == 404

# Police returns on the Wrights' request it claimed.
wright = InformationRequest.objects.get(agency=users["police"].agency, state="in_progress")
response = clients["police"].post(f"/partner/requests/{wright.pk}/return/", {
    "section_0": "Two call-outs to the address in May.", "brag": "red", "brag_rationale": "Violence at home.",
    "sensitive": "Intelligence: the partner is linked to a county line.", "action": "submit"})
assert response.status_code == 302, response.status_code
wright.refresh_from_db()
assert wright.state == "returned" and wright.met_at is not None
submitted = AgencyReturn.objects.get(request=wright)
submitted.brag = "green"
try:
    submitted.save()
except ValueError:
    pass
else:
    raise AssertionError("a submitted return was changed on SQLite")

# The sweep on SQLite: the overdue police request is breached, police's partner and the manager told.
result = deadlines.sweep()
overdue = InformationRequest.objects.get(agency=users["police"].agency, state="requested")
assert Escalation.objects.filter(stage="information_request", kind="breach", target_id=overdue.pk).count() == 1
assert Notification.objects.filter(recipient=users["police"], kind="escalation.breach").exists()
assert Notification.objects.filter(recipient=users["manager"], kind="escalation.breach").exists()
assert deadlines.sweep().breaches == 0

# The manager: the board, the sensitive section (audited), the outcome told to every contributor.
assert clients["manager"].get("/enquiries/").status_code == 200
assert "county line" in clients["manager"].get(f"/enquiries/returns/{submitted.pk}/sensitive/").content.decode()
assert AuditEvent.objects.filter(action="enquiry.sensitive_viewed").count() == 1
contact = wright.enquiry.contact
contact_services.outcome_decide(actor=users["manager"], contact=contact, kind="nfa", rationale="No role for us.",
                                summary="Nothing further.")
told = set(Notification.objects.filter(kind="enquiry_outcome").values_list("recipient__username", flat=True))
assert told == {"police", "health"}, told
print("sqlite enquiries ok")
