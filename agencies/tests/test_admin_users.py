"""A safe admin (issue 13): administrators manage users with the product's roles only, never the superuser flag or
raw permissions, never their own roles or account; role grants, deactivations and password resets are audited; no
child's record is browsable in the Django admin."""

import pytest
from django.contrib.auth.models import Permission

from agencies import services
from agencies.models import User
from mash.errors import DomainError
from mash.models import AuditEvent

pytestmark = pytest.mark.django_db


def form_data(user, **changes):
    data = {"username": user.username, "first_name": user.first_name, "last_name": user.last_name,
            "email": user.email, "agency": user.agency_id, "team": user.team_id or "", "job_title": user.job_title,
            "is_active": "on" if user.is_active else "", "roles": list(user.groups.values_list("name", flat=True))}
    data.update(changes)
    return {k: v for k, v in data.items() if v not in ("", None)}


def test_an_admin_gives_a_product_role_audited_and_never_the_superuser_flag(personas, client_for):
    client = client_for(personas.admin)
    target = personas.screener
    response = client.post(f"/admin/agencies/user/{target.pk}/change/", form_data(
        target, roles=["screener", "manager"], is_superuser="on", is_staff="on",
        user_permissions=[Permission.objects.get(codename="change_user").pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert set(target.groups.values_list("name", flat=True)) == {"screener", "manager"}
    assert not target.is_superuser and not target.is_staff and not target.user_permissions.exists()
    event = AuditEvent.objects.get(action="user.roles_changed")
    assert event.actor == personas.admin and event.changes == {"before": ["screener"], "after": ["manager", "screener"]}
    # made an administrator: staff (the admin), still no superuser
    client.post(f"/admin/agencies/user/{target.pk}/change/", form_data(target, roles=["admin"]))
    target.refresh_from_db()
    assert target.is_staff and not target.is_superuser


def test_nobody_changes_their_own_roles_or_deactivates_themselves(personas, client_for):
    client = client_for(personas.admin)
    me = personas.admin
    page = client.get(f"/admin/agencies/user/{me.pk}/change/").content.decode()
    assert "You cannot change your own roles" in page
    client.post(f"/admin/agencies/user/{me.pk}/change/", form_data(me, roles=["admin", "manager"], is_active=""))
    me.refresh_from_db()
    assert set(me.groups.values_list("name", flat=True)) == {"admin"} and me.is_active
    assert not AuditEvent.objects.filter(action="user.roles_changed").exists()
    with pytest.raises(DomainError):
        services.user_roles_set(actor=me, user=me, roles=["admin", "manager"])
    # Their own page disabled the roles of that page only, not everyone's for the rest of the process.
    other = client.get(f"/admin/agencies/user/{personas.screener.pk}/change/").content.decode()
    assert "You cannot change your own roles" not in other
    client.post(f"/admin/agencies/user/{personas.screener.pk}/change/", form_data(personas.screener, roles=["manager"]))
    assert set(personas.screener.groups.values_list("name", flat=True)) == {"manager"}


def test_only_product_roles_can_be_given(personas):
    with pytest.raises(DomainError):
        services.user_roles_set(actor=personas.admin, user=personas.screener, roles=["superuser"])
    with pytest.raises(DomainError):  # and only by an administrator
        services.user_roles_set(actor=personas.manager, user=personas.screener, roles=["manager"])


def test_deactivation_is_audited(personas, client_for):
    client = client_for(personas.admin)
    target = personas.screener2
    assert client.post(f"/admin/agencies/user/{target.pk}/change/",
                       form_data(target, is_active="")).status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    assert AuditEvent.objects.get(action="user.deactivated").target_id == str(target.pk)


def test_a_password_reset_is_audited_and_never_ones_own_or_a_break_glass_account(personas, client_for):
    client = client_for(personas.admin)
    target = personas.manager
    new = "a-new-and-long-passphrase-7"
    response = client.post(f"/admin/agencies/user/{target.pk}/password/",
                           {"password1": new, "password2": new, "usable_password": "true"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password(new)
    event = AuditEvent.objects.get(action="user.password_reset")
    assert event.actor == personas.admin and new not in str(event.changes)
    assert client.post(f"/admin/agencies/user/{personas.admin.pk}/password/",
                       {"password1": new, "password2": new}).status_code == 403
    root = User.objects.create_superuser("root", "root@example.gov.uk", "x" * 20, agency=personas.social_care)
    assert client.post(f"/admin/agencies/user/{root.pk}/password/",
                       {"password1": new, "password2": new}).status_code == 403
    assert client.post(f"/admin/agencies/user/{root.pk}/change/", form_data(root, roles=[])).status_code == 403


@pytest.mark.parametrize("model", ["contacts/contact", "contacts/person", "mash/notification"])
def test_children_and_notifications_are_not_in_the_admin(personas, client_for, model):
    root = User.objects.create_superuser("root", "root@example.gov.uk", "x" * 20, agency=personas.social_care)
    for user in (personas.admin, root):
        assert client_for(user).get(f"/admin/{model}/").status_code == 404


def test_the_admin_index_works_for_an_administrator_without_the_superuser_flag(personas, client_for):
    assert not personas.admin.is_superuser
    page = client_for(personas.admin).get("/admin/")
    assert page.status_code == 200 and "/admin/agencies/user/" in page.content.decode()


def test_a_partner_is_never_also_hub_staff_nor_in_another_agencys_team(personas, client_for):
    """Found walking the admin: a police partner could be made a MASH manager (and read every child's record), or put
    in children's social care's child protection team (and be sent its outcomes and summaries)."""
    from agencies.models import Team

    client = client_for(personas.admin)
    police = personas.police_partner
    url = f"/admin/agencies/user/{police.pk}/change/"
    for roles, message in [(["partner", "manager"], "An agency partner cannot also be a screener or MASH manager"),
                           (["screener"], "Only children&#x27;s social care staff can be screeners")]:
        response = client.post(url, form_data(police, roles=roles))
        assert response.status_code == 200 and message in response.content.decode(), roles
    team = Team.objects.create(agency=personas.social_care, name="Child protection team", receives_outcomes=True)
    response = client.post(url, form_data(police, team=team.pk))
    assert response.status_code == 200 and "belongs to another agency" in response.content.decode()
    # A screener moved to the police keeps no MASH role: the agency change is refused with the roles it has.
    response = client.post(f"/admin/agencies/user/{personas.screener.pk}/change/",
                           form_data(personas.screener, agency=personas.police.pk))
    assert response.status_code == 200 and "Only children&#x27;s social care staff" in response.content.decode()
    police.refresh_from_db()
    personas.screener.refresh_from_db()
    assert police.team is None and set(police.groups.values_list("name", flat=True)) == {"partner"}
    assert personas.screener.agency == personas.social_care
    assert not AuditEvent.objects.filter(action="user.roles_changed").exists()
    with pytest.raises(DomainError, match="cannot also be"):  # and the service, whoever calls it
        services.user_roles_set(actor=personas.admin, user=police, roles=["partner", "screener"])
    # What fits is saved: their own agency's team, the partner role.
    own = Team.objects.create(agency=personas.police, name="Public protection unit")
    assert client.post(url, form_data(police, team=own.pk)).status_code == 302
    police.refresh_from_db()
    assert police.team == own
