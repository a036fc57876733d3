"""The starter threshold document (levels of need), so a new MASH can rate contacts on day one.

Councils replace it with their own in the admin: a new version, made active, is what new screenings use.
"""

from datetime import date

LEVELS = [
    (1, "Universal", "Needs met by universal services: schools, GPs, health visitors.", "blue", [
        ("1.1", "Child is healthy, safe and achieving; needs met by universal services"),
        ("1.2", "Request for advice or information only"),
    ]),
    (2, "Additional needs", "Needs met by a single agency or early help with the family's agreement.", "green", [
        ("2.1", "Emerging concerns about health, development or school attendance"),
        ("2.2", "Parent or carer needs support with routines, boundaries or finances"),
        ("2.3", "Low-level domestic conflict; child not directly affected"),
    ]),
    (3, "Complex needs (child in need)", "Multiple needs: a section 17 assessment may be needed.", "amber", [
        ("3.1", "Parental mental ill-health, substance misuse or domestic abuse affecting the child"),
        ("3.2", "Neglect: basic care, supervision or safety not consistently met"),
        ("3.3", "Child at risk of exploitation, going missing or serious youth violence"),
        ("3.4", "Disabled child whose needs the family cannot meet without services"),
    ]),
    (4, "Acute: child protection", "Reasonable cause to suspect significant harm: strategy discussion / s47.", "red", [
        ("4.1", "Disclosure or evidence of physical, sexual or emotional abuse"),
        ("4.2", "Unexplained injury to a non-mobile baby or a child"),
        ("4.3", "Child abandoned, or left in immediate danger"),
        ("4.4", "Serious domestic abuse with a child present or injured"),
    ]),
]



def threshold_document_ensure_default(ThresholdDocument, LevelOfNeed, ThresholdCriterion) -> None:
    """Create the starter document if there is none. Takes the models, so a migration can pass its own.

    With versions (a `status` field) the document is written as a draft and then published, as an administrator
    would, since a published document's levels and criteria can no longer be added to.
    """
    if ThresholdDocument.objects.exists():
        return
    versioned = any(field.name == "status" for field in ThresholdDocument._meta.get_fields())
    published = {"published_on": date(2026, 1, 1), "active": True}
    document = ThresholdDocument.objects.create(
        title="Levels of need (starter)", version="1", **({"status": "draft"} if versioned else published)
    )
    for number, name, description, rating, criteria in LEVELS:
        level = LevelOfNeed.objects.create(
            document=document, number=number, name=name, description=description, usual_rating=rating
        )
        for code, text in criteria:
            ThresholdCriterion.objects.create(level=level, code=code, text=text)
    if versioned:
        ThresholdDocument.objects.filter(pk=document.pk).update(status="published", **published)
