"""What reports shows on the contact page: whether the contact became a referral, for which children, and whether
each referral ended with no further action. Registered with `mash.site.add_panel` (contacts imports nothing of
reports)."""

from contacts.codes import ContactState
from mash.access import is_mash_staff

from .selectors import contact_referrals


def contact_panel(request, contact) -> dict | None:
    if contact.state != ContactState.CLOSED or not is_mash_staff(request.user):
        return None
    referrals = contact_referrals(contact)
    if not referrals:
        return None
    return {"referrals": referrals, "may_record_nfa": request.user.has_perm("reports.change_referral")}
