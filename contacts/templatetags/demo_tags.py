"""The demo sign-ins on the sign-in page (demo mode only): every user `seed_demo` makes, from its own list, so
the page never forgets one."""

from django import template

register = template.Library()


@register.inclusion_tag("contacts/demo_sign_ins.html")
def demo_sign_ins():
    from agencies.models import AgencyKind
    from contacts.management.commands.seed_demo import AGENCIES, DEMO_PASSWORD, DEMO_TOTP_KEYS, USERS

    agency_names = {kind: name for name, kind in AGENCIES}
    return {
        "password": DEMO_PASSWORD,
        "users": [{"username": username, "name": f"{first} {last}", "role": role.label, "title": title,
                   "totp_key": DEMO_TOTP_KEYS.get(username, ""),
                   "agency": agency_names.get(kind, AgencyKind(kind).label)}
                  for username, first, last, kind, role, title in USERS],
    }
