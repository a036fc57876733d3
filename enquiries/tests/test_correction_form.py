"""The partner's correction form starts from the latest version of the return (every section, the BRAG view and why,
and the sensitive section the partner wrote), so a section not touched is not lost from the new version."""

import pytest
from django.test import Client
from django.urls import reverse

from enquiries import services
from enquiries.models import AgencyReturn, ReturnHeading

from .helpers import open_enquiry, request_for, world

pytestmark = pytest.mark.django_db

HEADINGS = ["Incidents", "Intelligence", "Offences", "Domestic abuse history"]


@pytest.fixture
def returned(personas):
    w = world(personas)
    police = request_for(open_enquiry(personas, w, agencies=(w.police,)), w.police)
    services.return_save(actor=personas.police_partner, request=police, headings=HEADINGS,
                         sections={"Incidents": "Two call-outs in May.", "Intelligence": "Known associate.",
                                   "Domestic abuse history": "MARAC 2024."},
                         brag="amber", brag_rationale="Call-outs.", sensitive="Informant's report.", submit=True)
    return police


def posted(form) -> dict:
    """What a browser sends back from the form as drawn: each field's value."""
    return {name: form[name].value() or "" for name in form.fields}


def test_the_correction_form_starts_from_the_latest_version(personas, returned):
    client = Client()
    client.force_login(personas.police_partner)
    url = reverse("enquiries:return", args=[returned.pk])
    response = client.get(url)
    html = response.content.decode()
    for text in ("Two call-outs in May.", "Known associate.", "MARAC 2024.", "Informant&#x27;s report.",
                 "Call-outs."):
        assert text in html, text
    data = posted(response.context["form"])
    assert data["brag"] == "amber"
    # The partner corrects one section and gives a reason; everything else is sent back as it was.
    data.update({"section_0": "Three call-outs in May.", "correction_reason": "A call-out was missed."})
    assert client.post(url, data).status_code == 302
    v2 = AgencyReturn.objects.get(request=returned, version=2)
    assert {s["heading"]: s["text"] for s in v2.sections} == {
        "Incidents": "Three call-outs in May.", "Intelligence": "Known associate.", "Offences": "",
        "Domestic abuse history": "MARAC 2024."}
    assert v2.sensitive == "Informant's report." and v2.brag == "amber" and v2.brag_rationale == "Call-outs."
    # Cleared on purpose: gone from the next version.
    data = posted(client.get(url).context["form"])
    data.update({"section_1": "", "correction_reason": "Intelligence not to be shared."})
    assert client.post(url, data).status_code == 302
    v3 = AgencyReturn.objects.get(request=returned, version=3)
    assert {s["heading"]: s["text"] for s in v3.sections}["Intelligence"] == ""
    assert {s["heading"]: s["text"] for s in v3.sections}["Incidents"] == "Three call-outs in May."


def test_a_section_under_a_heading_since_retired_is_kept_in_the_correction(personas, returned):
    ReturnHeading.objects.create(agency_kind="police", heading="Custody records", position=1)
    client = Client()
    client.force_login(personas.police_partner)
    url = reverse("enquiries:return", args=[returned.pk])
    data = posted(client.get(url).context["form"])
    data["correction_reason"] = "New headings."
    assert client.post(url, data).status_code == 302
    v2 = AgencyReturn.objects.get(request=returned, version=2)
    texts = {s["heading"]: s["text"] for s in v2.sections}
    assert texts["Custody records"] == "" and texts["Incidents"] == "Two call-outs in May."
    assert texts["Domestic abuse history"] == "MARAC 2024."
