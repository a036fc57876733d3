"""What contacts tells the apps that build on it, without importing them (contacts imports neither consent nor
enquiries). Each signal is sent inside the service's transaction: a receiver that fails rolls the whole change
back, so nothing it should have recorded (a disclosure, a withdrawn request) is ever missing.
"""

from django.dispatch import Signal

# The outcome of a contact was decided and the contact closed. Sent by contacts.services with: contact, outcome,
# actor, referrer_told ("outcome", "acknowledgement" or "": no address), receiving_team (a Team or None),
# allocated_worker (the child's social worker the contact was passed to, or None), team_told (how many of the
# receiving team's members were sent it: 0 when it has nobody active, so nothing was shared with it).
outcome_decided = Signal()
