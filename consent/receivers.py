"""What consent does when contacts tells it something. Receivers run inside the sender's transaction: if one fails,
the sender's change is rolled back with it, so a share is never left without its ledger row."""

from .codes import DisclosureBasis
from .services import disclosure_record


def outcome_disclosures(sender, *, contact, outcome, actor, referrer_told: str = "", receiving_team=None,
                        allocated_worker=None, team_told: int = 0, **kwargs) -> None:
    """An outcome was decided: the receiving team got the summary (if anyone in it was sent it: a team with nobody
    active was sent nothing, and the manager was told so before recording), the referrer the outcome or an
    acknowledgement, an allocated social worker the contact. Each is a disclosure about everyone named on it."""
    people = [s.person for s in contact.subjects.select_related("person")]
    kind = outcome.get_kind_display()
    if receiving_team is not None and team_told:
        disclosure_record(
            actor=actor, contact=contact, about=people, to_team=receiving_team,
            basis=DisclosureBasis.OUTCOME_TO_RECEIVING_TEAM,
            summary=f"The outcome ({kind}) and the summary for the receiving service",
            field_names=["contact.reference", "outcome.kind", "outcome.summary"],
            content=f"{kind}. Summary: {outcome.summary}",
        )
    if allocated_worker is not None:
        disclosure_record(
            actor=actor, contact=contact, about=people, to_agency=allocated_worker.agency,
            to_person=f"{allocated_worker} (allocated social worker)", basis=DisclosureBasis.ALLOCATED_WORKER,
            summary="The contact, passed to the child's allocated social worker, with a note",
            field_names=["contact", "outcome.summary"], content=outcome.summary,
        )
    if referrer_told:
        referrer = ", ".join(part for part in (contact.referrer_name, contact.referrer_email) if part)
        if referrer_told == "outcome":
            team = f" The case has gone to: {outcome.receiving_team}." if outcome.receiving_team_id else ""
            disclosure_record(
                actor=actor, contact=contact, about=people, to_person=f"{referrer} (the referrer)",
                basis=DisclosureBasis.REFERRER_FEEDBACK, summary=f"The outcome of the referral ({kind}), e-mailed",
                field_names=["contact.reference", "outcome.kind", "outcome.receiving_team"],
                content=f"The MASH decided: {kind}.{team}",
            )
        else:
            disclosure_record(
                actor=actor, contact=contact, about=people, to_person=f"{referrer} (the referrer)",
                basis=DisclosureBasis.REFERRER_FEEDBACK,
                summary="An acknowledgement, e-mailed: the concern was looked at and acted on (no outcome shared)",
                field_names=["contact.reference"],
                content="Your concern has been looked at by the Multi-Agency Safeguarding Hub and acted on.",
            )
