"""The retention rules a new installation starts with (DOMAIN.md section 9). There is no national period for MASH
contacts or NFA referrals: each council sets its own, and an admin changes these in the admin. The defaults follow
the published local schedules the domain notes cite, erring towards keeping."""

SOURCE = "DOMAIN.md section 9 (no national period for MASH contacts: the council sets its own)."

DEFAULT_RULES = [
    # (outcome, trigger, years, rationale)
    ("strategy_s47", "closed", 35,
     "Child protection: kept 35 years after the last contact, as Blackpool's schedule does (a 35-year policy was "
     f"challenged in R (C) v Northumberland CC [2015] EWHC 2134 (Admin)). {SOURCE}"),
    ("s17_assessment", "adulthood", 3,
     "Children in need: kept until the child is 18, plus 3 years, as Devon's schedule does. " + SOURCE),
    ("allocated_worker", "adulthood", 3,
     "An open case: kept as a child in need's record is, until 18 plus 3 years (Devon). " + SOURCE),
    ("early_help", "adulthood", 3,
     "Early help: kept as a child in need's record is, until 18 plus 3 years (Devon), so that repeat concerns "
     "can be seen while the child is a child. " + SOURCE),
    ("supporting_families", "adulthood", 3,
     "Supporting Families: kept as a child in need's record is, until 18 plus 3 years (Devon). " + SOURCE),
    ("universal_advice", "closed", 6,
     "Advice only: kept 6 years after closure, as Devon keeps advice. " + SOURCE),
    ("nfa", "closed", 10,
     "No further action: reviewed 10 years after closure, as Blackpool reviews contacts that do not progress. "
     + SOURCE),
    ("", "closed", 10,
     "Any other outcome: reviewed 10 years after closure (Blackpool). " + SOURCE),
]


def retention_rules_ensure_default(rule_model=None) -> None:
    """Add the default rule for each outcome that has none (never changes a rule an admin has set)."""
    if rule_model is None:
        from .models import RetentionRule as rule_model
    for outcome, trigger, years, rationale in DEFAULT_RULES:
        rule_model.objects.get_or_create(record_kind="contact", outcome=outcome,
                                         defaults={"trigger": trigger, "years": years, "rationale": rationale})
