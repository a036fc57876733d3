"""What enquiries does when contacts or consent tells it something. Receivers run inside the sender's transaction:
if one fails, the sender's change rolls back with it (no outcome without its feedback and disclosures)."""

from . import services


def outcome_feedback(sender, *, contact, outcome, actor, receiving_team=None, allocated_worker=None, **kwargs):
    services.enquiry_outcome_feedback(actor=actor, contact=contact, outcome=outcome, receiving_team=receiving_team,
                                      allocated_worker=allocated_worker)


def basis_withdrawn_flag(sender, *, contact, actor, lost=(), **kwargs):
    services.requests_basis_lost(actor=actor, contact=contact, lost=lost)
