"""What reports does when contacts tells it something. Receivers run inside the sender's transaction."""

from .services import referrals_record


def outcome_referrals(sender, *, contact, outcome, actor, receiving_team=None, allocated_worker=None,
                      **kwargs) -> None:
    """An outcome was decided: if it sends the contact to statutory assessment, the contact became a referral."""
    referrals_record(actor=actor, contact=contact, outcome=outcome, receiving_team=receiving_team,
                     allocated_worker=allocated_worker)
