from django.shortcuts import render
from django.views.decorators.http import require_GET

from mash.access import Role, require_role


@require_GET
@require_role(Role.PARTNER)
def partner_inbox(request):
    """A partner's start page: the information requests addressed to their agency.

    MASH enquiries (information requests and returns) are a later capability; until then the
    inbox says plainly that nothing has been asked of the agency.
    """
    return render(request, "enquiries/inbox.html", {"agency": request.user.agency})
