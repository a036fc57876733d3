"""The four roles as Django groups with model permissions. Kept in step after every migrate."""

from django.contrib.auth.models import Group, Permission

from mash.access import Role

# codenames are "<app_label>.<codename>"; a missing permission (its app not migrated yet) is skipped.
ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.SCREENER: [
        "contacts.view_contact",
        "contacts.add_contact",
        "contacts.view_person",
        "contacts.add_screening",
        "contacts.add_rating",
    ],
    Role.MANAGER: [
        "contacts.view_contact",
        "contacts.add_contact",
        "contacts.view_person",
        "contacts.add_screening",
        "contacts.add_rating",
        "contacts.decide_rating",
        "contacts.add_outcome",
        "contacts.merge_person",
    ],
    Role.PARTNER: [],
    Role.ADMIN: [
        "agencies.view_agency",
        "agencies.add_agency",
        "agencies.change_agency",
        "agencies.view_team",
        "agencies.add_team",
        "agencies.change_team",
        "agencies.view_user",
        "agencies.add_user",
        "agencies.change_user",
        "auth.view_group",
        "contacts.view_thresholddocument",
        "contacts.add_thresholddocument",
        "contacts.change_thresholddocument",
        "contacts.view_levelofneed",
        "contacts.add_levelofneed",
        "contacts.change_levelofneed",
        "contacts.view_thresholdcriterion",
        "contacts.add_thresholdcriterion",
        "contacts.change_thresholdcriterion",
        "mash.view_auditevent",
        "mash.view_responsewindow",
        "mash.add_responsewindow",
        "mash.change_responsewindow",
        "mash.view_closureday",
        "mash.add_closureday",
        "mash.change_closureday",
        "mash.delete_closureday",
        "mash.view_escalation",
        "mash.view_notification",
        "mash.view_sweeprun",
    ],
}


def sync_roles(**kwargs) -> None:
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
