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
