"""The starter lists (DOMAIN.md section 2): lawful bases, reasons for sharing without consent, and which agency
kinds count as health. Seeded by a data migration; councils edit them in the admin (with history). A decision
keeps a snapshot of what it was decided on, so editing these never changes a past decision.

Each function takes the models, so a migration can pass its own; each creates only what is missing.
"""

LAWFUL_BASES = [
    # name, Article 6, special category condition, statutory power, notes
    (
        "Public task: safeguarding children",
        "UK GDPR Article 6(1)(e): public task",
        "UK GDPR Article 9(2)(g) substantial public interest, with DPA 2018 Schedule 1 Part 2 paragraph 18 "
        "(safeguarding of children and of individuals at risk)",
        "Children Act 1989 sections 17 and 47; Children Act 2004 sections 10 and 11",
        "The usual basis for MASH checks without consent: the child is under 18, the sharing is needed to protect "
        "them from neglect or harm, and consent cannot be given, cannot reasonably be obtained, or seeking it "
        "would prejudice their protection.",
    ),
    (
        "Public task: crime and disorder",
        "UK GDPR Article 6(1)(e): public task",
        "UK GDPR Article 9(2)(g) with DPA 2018 Schedule 1 Part 2 paragraph 18; criminal offence data: Article 10 "
        "and DPA 2018 section 10(5)",
        "Crime and Disorder Act 1998 section 115",
        "Sharing to prevent or detect crime, with a relevant authority.",
    ),
    (
        "Legal obligation: assisting a section 47 enquiry",
        "UK GDPR Article 6(1)(c): legal obligation",
        "UK GDPR Article 9(2)(g) with DPA 2018 Schedule 1 Part 2 paragraph 6 (statutory purposes)",
        "Children Act 1989 section 47(9) to (11): named bodies must assist a section 47 enquiry",
        "",
    ),
    (
        "Vital interests: a life-threatening emergency",
        "UK GDPR Article 6(1)(d): vital interests",
        "UK GDPR Article 9(2)(c): vital interests",
        "",
        "Only where life is at risk and there is no time for anything else.",
    ),
    (
        "Health or social care purposes",
        "UK GDPR Article 6(1)(e): public task",
        "UK GDPR Article 9(2)(h) with DPA 2018 Schedule 1 Part 1 paragraph 2 (health or social care purposes)",
        "Children Act 1989 section 17",
        "",
    ),
    (
        "Police: law enforcement processing",
        "DPA 2018 Part 3 (law enforcement processing)",
        "DPA 2018 Schedule 8 paragraph 4 (safeguarding of children and of individuals at risk)",
        "Children Act 2004 section 11; Children Act 1989 section 47",
        "When the police share for a law enforcement purpose.",
    ),
]

SHARING_REASONS = [
    # code, label, records the overriding public interest (enough for a health agency)
    ("risk_of_harm", "Seeking consent would place the child at risk of significant harm", True),
    ("prejudice_crime", "Seeking consent would prejudice the prevention or detection of a crime", True),
    ("undue_delay", "Seeking consent would cause unjustified delay", False),
    ("refused_risk_outweighs", "Consent was refused, but the risk to the child outweighs the refusal", True),
    ("lacks_capacity", "The person lacks the capacity to consent", False),
]

HEALTH_KINDS = ["health"]


def lawful_bases_ensure_default(LawfulBasis) -> None:
    for position, (name, article_6, special, power, notes) in enumerate(LAWFUL_BASES, start=1):
        LawfulBasis.objects.get_or_create(name=name, defaults={
            "article_6": article_6, "special_category": special, "statutory_power": power, "notes": notes,
            "position": position * 10,
        })


def sharing_reasons_ensure_default(SharingReason) -> None:
    for position, (code, label, overrides) in enumerate(SHARING_REASONS, start=1):
        SharingReason.objects.get_or_create(code=code, defaults={
            "label": label, "overrides_confidentiality": overrides, "position": position * 10,
        })


def health_kinds_ensure_default(HealthKind) -> None:
    if not HealthKind.objects.exists():
        for kind in HEALTH_KINDS:
            HealthKind.objects.create(kind=kind)


def consent_lists_ensure_default() -> None:
    """All three, with the live models (the tests' reference data after a flush)."""
    from .models import HealthKind, LawfulBasis, SharingReason

    lawful_bases_ensure_default(LawfulBasis)
    sharing_reasons_ensure_default(SharingReason)
    health_kinds_ensure_default(HealthKind)
