"""The demo's contacts: a day at a MASH front door, written by hand so the ages, concerns and referrers fit
together (a health visitor about a baby, a school about a pupil, the police about a domestic incident), with a
history for some families, and each case at a different step (new, screened, approved, returned, closed).

Used by `seed_demo` (its `_front_door` step). Everything is recorded through the services, as a person would
record it; the history's dates are then moved back to when it happened (a demo has no past of its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from contacts import services
from contacts.codes import Channel, ReferralSource
from contacts.models import Contact, LevelOfNeed, Outcome, Rating, Screening, ThresholdCriterion
from contacts.services import SubjectInput
from mash.models import AuditEvent


def _born(years: int = 0, months: int = 0, days: int = 0) -> date:
    today = timezone.localdate()
    return today - timedelta(days=365 * years + 30 * months + days + 17)


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    role: str = "subject_child"
    born: date | None = None
    expected: date | None = None
    nhs: str = ""


@dataclass(frozen=True)
class Step:
    """How far a case has gone: screened with a rating (and the level whose criteria match), approved or changed
    by the manager, returned, or closed with an outcome."""

    brag: str = ""
    level: int = 0
    criteria: tuple[str, ...] = ()
    worries: str = ""
    working_well: str = ""
    needs: str = ""
    rationale: str = ""
    differs: str = ""
    decided: str = ""  # the manager's rating ("": not decided yet)
    decided_reason: str = ""
    returned: str = ""  # the manager's comments
    outcome: str = ""
    outcome_team: str = ""
    summary: str = ""


@dataclass(frozen=True)
class Case:
    referrer: str
    role: str
    organisation: str
    source: str
    channel: str
    email: str
    concern: str
    children: tuple[Person, ...]
    adults: tuple[Person, ...] = ()
    factors: tuple[str, ...] = ()
    consent: str = "not_asked"
    consent_detail: str = ""
    hours_ago: float = 2
    step: Step = field(default_factory=Step)
    earlier: tuple[Case, ...] = ()  # this family's earlier contacts (hours_ago counts back from now)


BROWNS = (Person("Ava", "Brown", born=_born(7, 3)), Person("Leo", "Brown", "sibling", born=_born(4, 1)))
BROWN_ADULTS = (Person("Kelly", "Brown", "parent_carer", born=_born(29)),
                Person("Dean", "Walsh", "source_of_harm", born=_born(34)))

CASES: list[Case] = [
    Case(
        referrer="Joanne Fraser", role="Designated safeguarding lead", organisation="Meadowbank Primary School",
        source=ReferralSource.SCHOOLS, channel=Channel.PHONE, email="j.fraser@meadowbank.sch.example",
        concern="Ava (Year 2) came in this morning with a bruise on her left cheek. When her teacher asked, she said "
                "Dean (mum's partner) 'did it because I spilled my drink' and that she does not want to go home "
                "tonight. Leo, her brother, is in our nursery and has been withdrawn this week.",
        children=BROWNS, adults=BROWN_ADULTS, factors=("18C", "3B"),
        consent_detail="Not asked: Ava named mum's partner, and asking could put her at risk before a plan.",
        hours_ago=1.5,
        step=Step(brag="red", level=4, criteria=("4.1", "4.4"),
                  worries="A 7-year-old's disclosure of being hit by mum's partner, with a visible injury; two "
                          "earlier domestic abuse notifications at this address.",
                  working_well="School knows Ava well and she trusts her teacher; maternal grandmother lives nearby.",
                  needs="Strategy discussion today with police and health; Ava not to go home until a plan is agreed.",
                  rationale="A disclosure of physical harm by an adult in the household, with a pattern of domestic "
                            "abuse: reasonable cause to suspect significant harm."),
        earlier=(
            Case(referrer="PC 2281 Hughes", role="Response officer", organisation="Midshire Police",
                 source=ReferralSource.POLICE, channel=Channel.POLICE_NOTIFICATION, email="",
                 concern="Police called by a neighbour to a verbal argument between Kelly Brown and Dean Walsh at "
                         "01:20. Both children asleep upstairs. No injuries seen; DASH standard. Walsh left at the "
                         "officers' request.",
                 children=BROWNS, adults=BROWN_ADULTS, factors=("3B",), consent="", hours_ago=24 * 150,
                 step=Step(brag="green", level=2, criteria=("2.3",), worries="Arguments at home, children present.",
                           working_well="Mother engaged with the officers; children well cared for at school.",
                           needs="Early help: domestic abuse awareness support for mother.",
                           rationale="A first notification, standard risk.", decided="green", outcome="early_help",
                           outcome_team="Early help hub",
                           summary="First DA notification, standard risk; mother open to support.")),
            Case(referrer="Sarah Okoro", role="Health visitor", organisation="Anytown NHS Foundation Trust",
                 source=ReferralSource.HEALTH_VISITOR, channel=Channel.EMAIL, email="s.okoro@nhs.example",
                 concern="At Leo's 3-year review Kelly said she and her partner argue a lot and she is 'walking on "
                         "eggshells'. Leo's speech is delayed. Kelly declined a referral to the domestic abuse "
                         "service but agreed to this contact.",
                 children=BROWNS, adults=BROWN_ADULTS, factors=("3B", "5A"), consent="given", hours_ago=24 * 280,
                 step=Step(brag="blue", level=1, criteria=("1.2",), worries="Mother describes controlling behaviour.",
                           working_well="Mother talks openly to the health visitor.",
                           needs="Advice to the health visitor; information kept on record.",
                           rationale="Advice and information only at this point.", decided="blue",
                           outcome="universal_advice", summary="Advice given to the health visitor.")),
        ),
    ),
    Case(
        referrer="PC 4410 Daniels", role="Domestic abuse officer", organisation="Midshire Police",
        source=ReferralSource.POLICE, channel=Channel.POLICE_NOTIFICATION, email="",
        concern="Domestic incident at 23:40 last night. Sana Khan reported that Imran Khan pushed her against a wall "
                "during an argument; redness to her neck. Zara (10) called 999 from her bedroom; Adam (6) was in "
                "the room. Imran Khan arrested for assault. DASH medium.",
        children=(Person("Zara", "Khan", born=_born(10, 4)), Person("Adam", "Khan", born=_born(6, 2))),
        adults=(Person("Sana", "Khan", "parent_carer", born=_born(36)),
                Person("Imran", "Khan", "source_of_harm", born=_born(39))),
        factors=("3B", "3A"), consent="", hours_ago=9,
    ),
    Case(
        referrer="Aisha Begum", role="Health visitor", organisation="Anytown NHS Foundation Trust",
        source=ReferralSource.HEALTH_VISITOR, channel=Channel.PHONE, email="a.begum@nhs.example",
        concern="New birth visit to Mia, 6 weeks. Mum (Chloe, 19) is tearful and says she is not sleeping or eating; "
                "the flat is cold and there was little formula in. Dad is not involved. Chloe agreed I could call.",
        children=(Person("Mia", "Thompson", born=_born(days=42 - 17)),),
        adults=(Person("Chloe", "Thompson", "parent_carer", born=_born(19)),),
        factors=("4B", "16A"), consent="given", hours_ago=20,
        step=Step(brag="amber", level=3, criteria=("3.1", "3.2"),
                  worries="A young mother with signs of postnatal depression; a baby's basic needs at risk.",
                  working_well="Chloe asked for help and lets the health visitor in.",
                  needs="Section 17 assessment; perinatal mental health referral; emergency help with heating.",
                  rationale="Several needs together: a child in need.", decided="amber"),
    ),
    Case(
        referrer="Dr Tom Ellis", role="Paediatric registrar", organisation="Anytown General Hospital A&E",
        source=ReferralSource.HEALTH_AE, channel=Channel.EMAIL, email="t.ellis@nhs.example",
        concern="Noah, 14 months, brought in at 18:30 with a spiral fracture of the right forearm. Parents say he "
                "fell off the sofa; the injury is not consistent with that account. Skeletal survey requested.",
        children=(Person("Noah", "Patel", born=_born(1, 2), nhs="9434765919"),),
        adults=(Person("Priya", "Patel", "parent_carer", born=_born(31)),
                Person("Raj", "Patel", "parent_carer", born=_born(33))),
        factors=("18C",), consent_detail="Not asked: an unexplained injury to a baby; asking could affect evidence.",
        hours_ago=3,
        step=Step(brag="red", level=4, criteria=("4.2",),
                  worries="An unexplained fracture in a non-mobile-age child.",
                  working_well="Both parents brought Noah to hospital quickly.",
                  needs="Strategy discussion today; Noah to stay in hospital until it has met.",
                  rationale="Unexplained injury to a baby: child protection.", decided="red"),
    ),
    Case(
        referrer="Margaret Doyle", role="", organisation="", source=ReferralSource.INDIVIDUAL_ACQUAINTANCE,
        channel=Channel.PHONE, email="m.doyle@mail.example",
        concern="I live in the flat below number 3. Most nights this month there is shouting after midnight and I "
                "hear a little girl crying for a long time. I've seen her at the bus stop in the mornings without "
                "a coat.",
        children=(Person("Ellie", "Green", born=_born(5, 6)),), adults=(Person("Jade", "Green", "parent_carer"),),
        factors=("16A",), consent_detail="A neighbour: she does not know the family well enough to ask.",
        hours_ago=30,
        step=Step(brag="green", level=2, criteria=("2.1", "2.2"),
                  worries="Night-time noise and a child seen without a coat; school reports her attendance at 88%.",
                  working_well="School says Ellie is clean, happy and learning.",
                  needs="Early help offer to mother about routines.", rationale="Emerging needs only.",
                  decided="green", outcome="early_help", outcome_team="Early help hub",
                  summary="Neighbour's concerns about noise and clothing; school sees no harm; early help offered."),
    ),
    Case(
        referrer="Gary Simmons", role="Head of Year 10", organisation="Anytown Academy",
        source=ReferralSource.SCHOOLS, channel=Channel.ONLINE_FORM, email="g.simmons@anytown-academy.example",
        concern="Tyler has been missing from school and from home twice this month, once overnight. He has new "
                "trainers and two phones, and told a friend he 'does drops' for older boys in town.",
        children=(Person("Tyler", "Morgan", born=_born(15, 2)),),
        adults=(Person("Lisa", "Morgan", "parent_carer", born=_born(41)),),
        factors=("24A", "10A"), consent="given", hours_ago=5,
    ),
    Case(
        referrer="Dr Anna Rees", role="GP", organisation="Riverside Surgery", source=ReferralSource.HEALTH_GP,
        channel=Channel.EMAIL, email="anna.rees@nhs.example",
        concern="Ruby (12) came with her aunt; she has been cutting her arms for two months and says home is 'awful' "
                "because mum drinks every day. Ruby agreed I should refer; mum was not present.",
        children=(Person("Ruby", "Hughes", born=_born(12, 7)),),
        adults=(Person("Donna", "Hughes", "parent_carer", born=_born(38)),),
        factors=("15A", "1B"), consent_detail="Ruby agreed; her mother was not there to ask.", hours_ago=26,
        step=Step(brag="green", level=2, criteria=("2.2",),
                  worries="Self-harm; mother's drinking.", working_well="A supportive aunt.",
                  needs="Early help.", rationale="Mother's drinking affects routines.",
                  returned="A 12-year-old self-harming because of a parent's daily drinking is more than an "
                           "emerging need: look again at level 3 (3.1) and speak to CAMHS."),
    ),
    Case(
        referrer="Mark Osei", role="Probation officer", organisation="Probation Service (Anytown)",
        source=ReferralSource.OTHER_LEGAL, channel=Channel.EMAIL, email="mark.osei@probation.example",
        concern="Michael Evans, released on licence last month after a sentence for sexual offences against a child, "
                "has told me he is moving in with his new partner Laura Evans and her daughter Sophie (8). His "
                "licence requires him to disclose this; Laura says she knows his history.",
        children=(Person("Sophie", "Evans", born=_born(8, 9)),),
        adults=(Person("Laura", "Evans", "parent_carer", born=_born(33)),
                Person("Michael", "Evans", "source_of_harm", born=_born(45))),
        factors=("19C",), consent_detail="Information from probation under the licence: the family are aware.",
        hours_ago=4,
    ),
    Case(
        referrer="Rachel Kent", role="Housing officer", organisation="Anytown Homes", source=ReferralSource.HOUSING,
        channel=Channel.PHONE, email="r.kent@anytownhomes.example",
        concern="The Hassan family (two parents, Amira 3 and Yusuf 9 months) have been in one room of temporary "
                "accommodation for 7 months. There is black mould on the walls and Yusuf has been admitted twice "
                "with chest infections. Parents are caring and asking for help.",
        children=(Person("Amira", "Hassan", born=_born(3, 2)), Person("Yusuf", "Hassan", born=_born(months=9))),
        adults=(Person("Omar", "Hassan", "parent_carer", born=_born(30)),
                Person("Leila", "Hassan", "parent_carer", born=_born(27))),
        factors=("6A",), consent="given", hours_ago=7,
        step=Step(brag="blue", level=1, criteria=("1.2",), worries="Housing conditions harming Yusuf's health.",
                  working_well="Loving, engaged parents.",
                  needs="Advice to housing and the GP; information to the family about their rights.",
                  rationale="The need is housing, not care.", differs="",),
    ),
    Case(
        referrer="Joy Adeyemi", role="Community midwife", organisation="Anytown NHS Foundation Trust",
        source=ReferralSource.HEALTH_OTHER_PRIMARY, channel=Channel.EMAIL, email="joy.adeyemi@nhs.example",
        concern="Hannah Clarke is 28 weeks pregnant. Her two older children were adopted in 2023. She says she is "
                "using heroin 'less' and has missed three antenatal appointments.",
        children=(Person("Unborn", "Clarke", expected=timezone.localdate() + timedelta(weeks=12)),),
        adults=(Person("Hannah", "Clarke", "parent_carer", born=_born(27)),),
        factors=("2B",), consent="given", hours_ago=11,
    ),
]


def _criteria(level: LevelOfNeed, codes) -> list[ThresholdCriterion]:
    return list(level.criteria.filter(code__in=codes)) or list(level.criteria.all()[:1])


def _record(case: Case, users, teams, received_at, known: dict) -> Contact:
    """Record one case as the screener would, linking people already known (a family's earlier contacts)."""

    def inputs(people):
        return [SubjectInput(first_name=p.first, last_name=p.last, role=p.role, date_of_birth=p.born,
                             expected_date_of_birth=p.expected, nhs_number=p.nhs,
                             person_id=known.get((p.first, p.last))) for p in people]

    contact = services.contact_create(
        actor=users["screener"], received_at=received_at, channel=case.channel, referrer_name=case.referrer,
        referrer_role=case.role, referrer_organisation=case.organisation, referrer_email=case.email,
        referral_source=case.source, concern=case.concern, presenting_factors=list(case.factors),
        consent_answer=case.consent, consent_detail=case.consent_detail, children=inputs(case.children),
        adults=inputs(case.adults),
    )
    for subject in contact.subjects.select_related("person"):
        known[(subject.person.first_name, subject.person.last_name)] = subject.person_id
    step = case.step
    if not step.brag:
        return contact
    level = LevelOfNeed.objects.get(document__active=True, number=step.level)
    services.screening_submit(
        actor=users["screener"], contact=contact, worries=step.worries, working_well=step.working_well,
        needs_to_happen=step.needs, history_checked=True, level=level, criteria=_criteria(level, step.criteria),
        proposed_brag=step.brag, rationale=step.rationale, recommendation="route", differs_reason=step.differs,
    )
    if step.returned:
        services.rating_return(actor=users["manager"], contact=contact, comments=step.returned)
    elif step.decided:
        services.rating_decide(actor=users["manager"], contact=contact, brag=step.decided,
                               reason=step.decided_reason)
        if step.outcome:
            services.outcome_decide(actor=users["manager"], contact=contact, kind=step.outcome,
                                    rationale=step.rationale, summary=step.summary,
                                    receiving_team=teams.get(step.outcome_team))
    return contact


def _backdate(contact: Contact, received_at) -> None:
    """Move a historical contact's steps back to when they happened: screened an hour after it came in, decided
    an hour later, the outcome the next morning."""
    shift = timezone.now() - (received_at + timedelta(hours=20))
    Screening.objects.filter(contact=contact).update(screened_at=received_at + timedelta(hours=1))
    for rating in Rating.objects.filter(contact=contact):
        Rating.objects.filter(pk=rating.pk).update(
            proposed_at=received_at + timedelta(hours=1),
            decided_at=received_at + timedelta(hours=2) if rating.decided_at else None)
    Outcome.objects.filter(contact=contact).update(decided_at=received_at + timedelta(hours=20),
                                                   referrer_feedback_queued_at=None)
    contact = Contact.objects.get(pk=contact.pk)
    Contact.objects.filter(pk=contact.pk).update(
        closed_at=contact.closed_at - shift if contact.closed_at else None,
        met_at=contact.met_at - shift if contact.met_at else None,
        clock_started_at=received_at + timedelta(hours=2) if contact.clock_started_at else None,
        due_at=contact.due_at - shift if contact.due_at else None,
        warn_at=contact.warn_at - shift if contact.warn_at else None,
    )
    from mash.audit import audit_rewrite

    events = AuditEvent.objects.filter(target_id=str(contact.pk))
    with audit_rewrite():  # the demo's history, dated as it would have happened (demo mode only)
        events.filter(action__startswith="contact.").update(at=received_at)
        events.filter(action="rating.proposed").update(at=received_at + timedelta(hours=1))
        events.filter(action__in=["rating.approved", "rating.changed", "rating.returned"]).update(
            at=received_at + timedelta(hours=2))
        events.filter(action="outcome.decided").update(at=received_at + timedelta(hours=20))


def seed_front_door(users, teams, count: int | None = None) -> int:
    """Record the demo's cases (the first `count`; None: all), each family's earlier contacts first."""
    from contacts.models import Person as PersonRecord

    now = timezone.now()
    made = 0
    for case in CASES[:count]:
        known: dict = {}
        for earlier in case.earlier:
            received = now - timedelta(hours=earlier.hours_ago)
            _backdate(_record(earlier, users, teams, received, known), received)
            made += 1
        _record(case, users, teams, now - timedelta(hours=case.hours_ago), known)
        made += 1
    # A child already known to a social worker, to show "pass to the allocated worker".
    tyler = PersonRecord.objects.filter(first_name="Tyler", last_name="Morgan").first()
    if tyler is not None:
        tyler.allocated_worker = users["screener2"]
        tyler.allocated_team = teams.get("Assessment team")
        tyler.save()
    return made
