"""The decision aid suggests what to record, and links straight to that form; it never decides or writes."""

import pytest

from consent.aid import suggest
from consent.models import ConsentRecord, SharingDecision, SharingReason
from mash.models import AuditEvent

from .helpers import family_contact

NO = {"asking_puts_at_risk": "no", "asking_prejudices_crime": "no", "delay": "no", "refused": "no",
      "lacks_capacity": "no"}


@pytest.mark.parametrize(("answers", "action", "reason"), [
    ({"threshold": "below_s17"}, "seek_consent", ""),
    ({"threshold": "s17"}, "seek_consent", ""),
    ({"threshold": "s47"}, "seek_consent", ""),  # consent not needed, but asking is safe: ask and tell them
    ({"threshold": "s47", "asking_puts_at_risk": "yes"}, "propose", "risk_of_harm"),
    ({"threshold": "s17", "asking_puts_at_risk": "yes"}, "propose", "risk_of_harm"),
    ({"threshold": "s47", "asking_prejudices_crime": "yes"}, "propose", "prejudice_crime"),
    ({"threshold": "s47", "delay": "yes"}, "propose", "undue_delay"),
    ({"threshold": "s17", "delay": "yes"}, "seek_consent", ""),  # below s47, delay alone is no reason
    ({"threshold": "s47", "refused": "yes"}, "propose", "refused_risk_outweighs"),
    ({"threshold": "s17", "refused": "yes"}, "propose", "refused_risk_outweighs"),
    ({"threshold": "below_s17", "lacks_capacity": "yes"}, "propose", "lacks_capacity"),
])
def test_suggestions(answers, action, reason):
    suggestion = suggest({**NO, **answers})
    assert (suggestion.action, suggestion.reason) == (action, reason)
    assert suggestion.words and suggestion.then


def test_below_s47_a_refusal_is_respected_unless_the_risk_outweighs_it():
    words = suggest({**NO, "threshold": "s17", "refused": "yes"}).words
    assert "respect the refusal" in words


@pytest.mark.django_db
def test_every_suggested_reason_is_on_the_list():
    codes = set(SharingReason.objects.values_list("code", flat=True))
    for reason in ("risk_of_harm", "prejudice_crime", "undue_delay", "refused_risk_outweighs", "lacks_capacity"):
        assert reason in codes


@pytest.mark.django_db
def test_the_page_shows_the_suggestion_and_links_to_the_form_it_suggests(personas, client_for):
    contact = family_contact(personas.screener)
    client = client_for(personas.screener)
    url = f"/consent/contact/{contact.reference}/decision-aid/"
    assert "Show the suggestion" in client.get(url).content.decode()
    audits = AuditEvent.objects.exclude(action="contact.viewed").count()
    looks = AuditEvent.objects.filter(action="contact.viewed").count()
    response = client.get(url, {**NO, "threshold": "s47", "asking_puts_at_risk": "yes"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Suggestion: propose sharing without consent" in html
    assert "This is a suggestion, not a decision" in html
    link = response.context["link"]
    assert link == f"/consent/contact/{contact.reference}/propose/?reason=risk_of_harm&threshold=s47"
    form = client.get(link).context["form"]
    assert form.initial == {"reason": SharingReason.objects.get(code="risk_of_harm").pk, "threshold": "s47"}
    response = client.get(url, {**NO, "threshold": "below_s17"})
    assert response.context["link"] == f"/consent/contact/{contact.reference}/record/"
    # Nothing written but the looks: each drawing of a page naming the contact's people is an audited view
    assert (ConsentRecord.objects.count(), SharingDecision.objects.count(),
            AuditEvent.objects.exclude(action="contact.viewed").count()) == (0, 0, audits)
    assert AuditEvent.objects.filter(action="contact.viewed").count() == looks + 3
