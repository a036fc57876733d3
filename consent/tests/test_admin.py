"""The lists a council maintains, in the admin, with history; past decisions keep what they were decided on."""

import pytest

from consent.models import HealthKind, LawfulBasis, SharingReason

pytestmark = pytest.mark.django_db


def test_an_administrator_edits_the_lists_with_history_and_cannot_delete_a_basis(personas, client_for):
    client = client_for(personas.admin)
    basis = LawfulBasis.objects.get(name="Public task: safeguarding children")
    for path in ("/admin/consent/lawfulbasis/", f"/admin/consent/lawfulbasis/{basis.pk}/change/",
                 f"/admin/consent/lawfulbasis/{basis.pk}/history/", "/admin/consent/sharingreason/",
                 "/admin/consent/healthkind/", "/admin/consent/healthkind/add/"):
        assert client.get(path).status_code == 200, path
    response = client.post(f"/admin/consent/lawfulbasis/{basis.pk}/change/", {
        "name": basis.name, "article_6": basis.article_6, "special_category": basis.special_category,
        "statutory_power": "Children Act 1989 sections 17 and 47 (amended)", "notes": basis.notes, "active": "on",
        "position": basis.position})
    assert response.status_code == 302
    basis.refresh_from_db()
    assert basis.statutory_power.endswith("(amended)")
    assert basis.history.first().history_user == personas.admin
    assert client.get(f"/admin/consent/lawfulbasis/{basis.pk}/delete/").status_code == 403
    assert client.post("/admin/consent/healthkind/add/", {"kind": "probation"}).status_code == 302
    assert set(HealthKind.objects.values_list("kind", flat=True)) == {"health", "probation"}
    assert SharingReason.objects.filter(overrides_confidentiality=True).count() == 3


def test_the_lists_are_not_for_mash_staff(personas, client_for):
    client = client_for(personas.manager)
    assert client.get("/admin/consent/lawfulbasis/").status_code == 302  # not staff: sent to the admin sign-in


def test_a_consent_list_change_in_the_admin_is_audited(personas, client_for):
    from mash.models import AuditEvent

    reason = SharingReason.objects.filter(active=True).first()
    client = client_for(personas.admin)
    page = client.get(f"/admin/consent/sharingreason/{reason.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v not in (None, False)}
    data["label"] = reason.label + " (revised)"
    assert client.post(f"/admin/consent/sharingreason/{reason.pk}/change/", data).status_code == 302
    row = AuditEvent.objects.get(action="config.changed")
    assert row.target_id == str(reason.pk) and row.changes["fields"]["label"][1].endswith("(revised)")
