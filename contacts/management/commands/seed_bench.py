"""A realistic, large data set for the page benchmarks (bench/pages.py), built fast with PostgreSQL COPY.

    manage.py seed_bench --contacts 100000 [--reset] [--seed 1]

Families (one to three children, one or two adults, about three subjects a contact) come back to the
front door several times within a year, so an open contact's children have history (about 1.5 earlier
subject rows a contact). Most contacts are closed, with a screening, an approved rating and an outcome;
the newest few thousand are open across the three working states with running clocks, some overdue.

Rows are generated in Python with a seeded random from small name pools (Faker is called only to build
the pools) and streamed with COPY: Person.save() is skipped, so the match keys are computed here from
the parts contacts.identifiers.person_keys is made of (a test holds the two the same). PostgreSQL only. Historical
(simple_history) rows and audit rows are not written: the pages read neither for these records.
"""

import json
import random
import time
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.db.models import Max

from agencies.models import Agency, AgencyKind
from contacts import identifiers
from contacts.codes import (
    Channel,
    ConsentAnswer,
    ContactState,
    OutcomeKind,
    PresentingFactor,
    RatingDecision,
    Recommendation,
    ReferralSource,
    SubjectRole,
)
from contacts.models import (
    Contact,
    ContactSubject,
    LevelOfNeed,
    Outcome,
    Person,
    Rating,
    ReferenceCounter,
    Screening,
    ThresholdDocument,
)
from mash.access import Role
from mash.codes import Brag, Stage
from mash.models import ResponseWindow

BENCH_PASSWORD = "bench-password-123"  # noqa: S105 (bench database only)
OPEN_MAX = 3_000
# Hours from a clock's start to its limit, roughly the default windows (DOMAIN.md section 4).
LIMIT_HOURS = {"": 24, Brag.RED: 4, Brag.AMBER: 24, Brag.GREEN: 72, Brag.BLUE: 120}
# Hours from a proposal to its approval limit, roughly the default rating_approval windows.
APPROVAL_HOURS = {Brag.RED: 0.5, Brag.AMBER: 2, Brag.GREEN: 8, Brag.BLUE: 8}
CONTACT_TABLES = [
    "contacts_contact", "contacts_person", "contacts_contactsubject", "contacts_screening",
    "contacts_screening_criteria", "contacts_rating", "contacts_outcome",
    "contacts_historicalcontact", "contacts_historicalperson", "contacts_historicalscreening",
    "contacts_historicalscreening_criteria", "contacts_historicaloutcome", "contacts_referencecounter",
]
CONCERNS = [
    "School reports the child arrived hungry for the third day this week and said there was no food at home.",
    "Police attended a domestic incident at the home overnight; the children were present.",
    "Health visitor concerned about home conditions and mother's low mood after the birth.",
    "Neighbour reports shouting and a child crying late at night, most nights this month.",
    "Child disclosed to a teacher that an older boy gives them money to carry packages.",
    "A&E: child brought in with a fracture; the explanation given does not fit the injury.",
    "Child missing from home overnight for the second time this month; returned by police.",
    "GP concerned that the baby has missed immunisations and the family has not engaged.",
]
ORGANISATIONS = ["Anytown Primary School", "Midshire Police", "Anytown NHS Foundation Trust", "Anytown Homes",
                 "Anytown Early Help", "St Mary's Academy", "Anytown GP Surgery", ""]
OUTCOMES = [OutcomeKind.NFA, OutcomeKind.UNIVERSAL_ADVICE, OutcomeKind.EARLY_HELP, OutcomeKind.SUPPORTING_FAMILIES,
            OutcomeKind.S17_ASSESSMENT, OutcomeKind.STRATEGY_S47]
FACTORS = [f.value for f in PresentingFactor]
SEEDED = [Person, Contact, ContactSubject, Screening, Rating, Outcome]


def _max_id(model) -> int:
    return model.objects.aggregate(m=Max("id"))["m"] or 0


def _nhs_number(rng: random.Random) -> str:
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def _pools(seed: int):
    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(seed)
    first = sorted({fake.first_name() for _ in range(1500)})
    last = sorted({fake.last_name() for _ in range(1500)})
    postcodes = sorted({fake.postcode() for _ in range(4000)})
    streets = sorted({fake.street_address() for _ in range(1000)})
    referrers = sorted({fake.name() for _ in range(500)})
    return first, last, postcodes, streets, referrers


def refuse_unless_bench_database() -> None:
    """seed_bench empties the contacts (--reset) and makes users with a known password: only with DEBUG or BENCH_MODE
    on, and only into a database whose name says it is a benchmark (or the test runner's own, test_...)."""
    from django.conf import settings

    name = str(connection.settings_dict.get("NAME") or "")
    if not (settings.DEBUG or settings.BENCH_MODE):
        raise CommandError("seed_bench runs only with DEBUG=1 or BENCH_MODE=1 (it makes users with a known password).")
    if "bench" not in name.lower() and not name.startswith("test_"):
        raise CommandError(f"seed_bench runs only into a benchmark database (its name must contain 'bench'): "
                           f"{name!r} does not.")


class Command(BaseCommand):
    help = "Seed N realistic contacts (with people, subjects, screenings, ratings, outcomes) by COPY. PostgreSQL."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, required=True, help="how many contacts to create")
        parser.add_argument("--reset", action="store_true", help="truncate the contacts tables first")
        parser.add_argument("--seed", type=int, default=1, help="random seed (the same seed gives the same data)")

    def handle(self, *args, contacts: int, reset: bool, seed: int, **options):
        refuse_unless_bench_database()
        if connection.vendor != "postgresql":
            raise CommandError("seed_bench needs PostgreSQL (it uses COPY); set DATABASE_URL to a PostgreSQL database.")
        if contacts < 1:
            raise CommandError("--contacts must be at least 1")
        started = time.monotonic()
        with transaction.atomic():
            if reset:
                self._reset()
            self._skip_row_triggers()
            counts = Seeder(seed=seed, n=contacts, users=self._users()).run()
        # COPY wrote explicit ids: move each identity sequence past them.
        for model in SEEDED:
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                               [model._meta.db_table, _max_id(model) or 1])
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Seeded {counts['contacts']:,} contacts ({counts['open']:,} open), {counts['people']:,} people, "
            f"{counts['subjects']:,} subjects ({counts['subjects'] / counts['contacts']:.2f} a contact), "
            f"{counts['history'] / counts['contacts']:.2f} history rows a contact, in {elapsed:.1f} s"
        )

    @staticmethod
    def _skip_row_triggers():
        """The rows reference only each other and existing users, levels and windows, by construction: skip the
        per-row foreign key checks (deferred triggers, most of the time at commit). Needs a superuser; without
        one the checks simply run."""
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            pass

    def _reset(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            existing = {row[0] for row in cursor.fetchall()}
            tables = ", ".join(t for t in CONTACT_TABLES if t in existing)
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        types = ContentType.objects.get_for_models(Contact, Person).values()
        from mash.audit import audit_rewrite
        from mash.models import AuditEvent, Escalation, Notification

        with audit_rewrite():  # a benchmark database's own rows (refuse_unless_bench_database)
            AuditEvent.objects.filter(target_type__in=types).delete()
        Notification.objects.filter(escalation__target_type__in=types).delete()
        Escalation.objects.filter(target_type__in=types).delete()

    def _users(self) -> dict[str, list[int]]:
        """Bench staff: the benchmark's screener, manager and superuser, plus pools who did the past work."""
        agency, _ = Agency.objects.get_or_create(name="Bench Children's Social Care",
                                                 defaults={"kind": AgencyKind.SOCIAL_CARE})
        groups = {role: Group.objects.get(name=role.value) for role in (Role.SCREENER, Role.MANAGER)}
        User = get_user_model()

        def user(username, role=None, **extra):
            found = User.objects.filter(username=username).first()
            if found is None:
                found = User.objects.create_user(username=username, password=BENCH_PASSWORD, agency=agency,
                                                 first_name=username.split("_")[1].title(), last_name="Bench",
                                                 **extra)
            if role is not None:
                found.groups.add(groups[role])
            return found.pk

        screeners = [user("bench_screener", Role.SCREENER)] + [
            user(f"bench_screener{i}", Role.SCREENER) for i in range(1, 20)]
        managers = [user("bench_manager", Role.MANAGER)] + [
            user(f"bench_manager{i}", Role.MANAGER) for i in range(1, 5)]
        user("bench_admin", is_staff=True, is_superuser=True)
        return {"screeners": screeners, "managers": managers}


class Seeder:
    def __init__(self, *, seed: int, n: int, users: dict[str, list[int]]):
        self.rng = random.Random(seed)
        self.n = n
        self.users = users
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.first, self.last, self.postcodes, self.streets, self.referrers = _pools(seed)
        # The name parts of contacts.identifiers.person_keys, worked out once a name (the date's key once a person).
        self.keys = {name: (identifiers.name_key(name), identifiers.name_sound(name), identifiers.name_phonetic(name))
                     for name in self.first + self.last}
        document = ThresholdDocument.objects.filter(active=True).first() or ThresholdDocument.objects.first()
        if document is None:
            raise CommandError("No threshold document: run migrate first (contacts 0003 adds the default one).")
        self.document_id = document.pk
        self.levels = list(
            LevelOfNeed.objects.filter(document=document).order_by("number").values_list("pk", flat=True))
        self.windows = {(w.stage, w.rating): w.pk for w in ResponseWindow.objects.filter(active=True)}
        self.person_id = _max_id(Person)
        self.contact_id = _max_id(Contact)
        self.counters = dict(ReferenceCounter.objects.values_list("year", "last"))

    # People ------------------------------------------------------------------------------------------

    def _person(self, rows, *, last: str, child: bool, postcode: str, address: str) -> list[int]:
        """One person; sometimes also a second record of them (no NHS number), as front doors accumulate."""
        rng = self.rng
        first = rng.choice(self.first)
        today = self.now.date()
        dob = expected = None
        if child and rng.random() < 0.02:
            expected = today + timedelta(days=rng.randrange(1, 200))
        elif child:
            dob = today - timedelta(days=rng.randrange(30, 17 * 365))
        else:
            dob = today - timedelta(days=rng.randrange(19 * 365, 60 * 365))
        ids = []
        for nhs in [_nhs_number(rng) if rng.random() < 0.7 else ""] + ([""] if rng.random() < 0.03 else []):
            self.person_id += 1
            ids.append(self.person_id)
            (surname, surname_sound, surname_phonetic) = self.keys[last]
            (forename, forename_sound, forename_phonetic) = self.keys[first]
            rows.append((self.person_id, first, last, dob, expected, address, postcode, nhs,
                         surname[:100], forename[:1], forename[:100], surname_sound, forename_sound,
                         surname_phonetic, forename_phonetic, identifiers.birth_key(dob), self.now))
        return ids

    # Families and their contacts ----------------------------------------------------------------------

    def _plan(self):
        """Families, each with the times of its contacts; returns (people rows, [(received_at, subjects)])."""
        rng = self.rng
        people, planned = [], []
        span = timedelta(days=3 * 365)
        while len(planned) < self.n:
            last = rng.choice(self.last)
            postcode = rng.choice(self.postcodes)
            address = rng.choice(self.streets)
            n_children = rng.choices([1, 2, 3], weights=[55, 30, 15])[0]
            n_adults = rng.choices([1, 2], weights=[55, 45])[0]
            children = [self._person(people, last=last, child=True, postcode=postcode, address=address)
                        for _ in range(n_children)]
            adults = [self._person(people, last=last if i == 0 else rng.choice(self.last), child=False,
                                   postcode=postcode, address=address) for i in range(n_adults)]
            visits = rng.choices([1, 2, 3, 4, 5, 6], weights=[36, 24, 17, 11, 7, 5])[0]
            first_at = self.now - span * rng.random()
            for visit in range(visits):
                received = first_at + timedelta(seconds=rng.randrange(0, 330 * 86400))
                if received > self.now:
                    received = self.now - timedelta(seconds=rng.randrange(60, 30 * 86400))
                kids = children if rng.random() < 0.8 else children[:1]
                # A duplicate record is used on some later contacts, as happens when nobody spots the match.
                subjects = [(ids[0] if visit == 0 else rng.choice(ids),
                             SubjectRole.SUBJECT_CHILD if i == 0 else SubjectRole.SIBLING)
                            for i, ids in enumerate(kids)]
                subjects += [(ids[0], SubjectRole.PARENT_CARER) for ids in adults]
                planned.append((received, subjects))
        planned = planned[: self.n]
        planned.sort(key=lambda p: p[0])
        # The newest contacts are the open ones: move them into the last few days.
        n_open = min(OPEN_MAX, self.n // 5)
        for i in range(self.n - n_open, self.n):
            planned[i] = (self.now - timedelta(seconds=self.rng.randrange(600, 5 * 86400)), planned[i][1])
        planned.sort(key=lambda p: p[0])
        return people, planned, n_open

    def run(self) -> dict[str, int]:
        rng = self.rng
        people, planned, n_open = self._plan()
        contacts, subjects, screenings, ratings, outcomes = [], [], [], [], []
        subject_id = _max_id(ContactSubject)
        screening_id = _max_id(Screening)
        rating_id = _max_id(Rating)
        outcome_id = _max_id(Outcome)
        screeners, managers = self.users["screeners"], self.users["managers"]
        states = [ContactState.AWAITING_SCREENING] * 6 + [ContactState.AWAITING_APPROVAL] * 2 + [
            ContactState.AWAITING_OUTCOME] * 2
        channels = list(Channel.values)
        sources = list(ReferralSource.values)
        consents = list(ConsentAnswer.values)
        brags = [Brag.RED, Brag.AMBER, Brag.AMBER, Brag.GREEN, Brag.GREEN, Brag.GREEN, Brag.BLUE, Brag.BLUE]
        person_last: dict[int, datetime] = {}
        for index, (received, subject_list) in enumerate(planned):
            self.contact_id += 1
            cid = self.contact_id
            year = received.year
            self.counters[year] = self.counters.get(year, 0) + 1
            reference = f"C-{year}-{self.counters[year]:06d}"
            is_open = index >= self.n - n_open
            state = rng.choice(states) if is_open else ContactState.CLOSED
            screener = rng.choice(screeners)
            manager = rng.choice(managers)
            brag = rng.choice(brags)
            screened_at = received + timedelta(minutes=rng.randrange(20, 600))
            decided_at = screened_at + timedelta(minutes=rng.randrange(10, 240))
            level = self.levels[min(len(self.levels) - 1, {"blue": 0, "green": 1, "amber": 2, "red": 3}[brag])]
            rating = ""
            assigned = None
            warned_at = breached_at = met_at = closed_at = None
            if state in (ContactState.AWAITING_SCREENING, ContactState.AWAITING_APPROVAL):
                stage, window, started = Stage.CONTACT_DECISION, ("contact_decision", ""), received
                limit = LIMIT_HOURS[""]
                assigned = screener if state == ContactState.AWAITING_APPROVAL or rng.random() < 0.3 else None
            else:
                stage, window, started = Stage.BRAG_RESPONSE, ("brag_response", brag), decided_at
                limit = LIMIT_HOURS[brag]
                rating, assigned = brag, screener
            if state == ContactState.AWAITING_APPROVAL and screened_at > self.now:
                screened_at = self.now - timedelta(minutes=1)
            started = min(started, self.now - timedelta(minutes=1))
            due_at = started + timedelta(hours=limit)
            warn_at = started + timedelta(hours=limit * 0.75)
            if state == ContactState.CLOSED:
                met_at = closed_at = started + timedelta(minutes=rng.randrange(30, int(limit * 60 * 1.1)))
            else:
                warned_at = warn_at if warn_at <= self.now else None
                breached_at = due_at if due_at <= self.now else None
            factors = json.dumps(rng.sample(FACTORS, rng.randrange(1, 4)))
            repeat = False
            for pid, role in subject_list:
                if role in (SubjectRole.SUBJECT_CHILD, SubjectRole.SIBLING):
                    seen = person_last.get(pid)
                    if seen is not None and received - seen < timedelta(days=365):
                        repeat = True
            contacts.append((
                cid, stage, started, warn_at, due_at, met_at, warned_at, breached_at, reference, received,
                rng.choice(channels), rng.choice(self.referrers), "Designated safeguarding lead",
                rng.choice(ORGANISATIONS), "", "", rng.choice(sources), rng.choice(CONCERNS), factors,
                rng.choice(consents), "", "", state, rating, False, repeat, closed_at, assigned, False,
                screener, received, self.windows.get(window),
                brag if state == ContactState.AWAITING_APPROVAL else "",  # proposed_rating
                is_open and rng.random() < 0.01,  # immediate_risk: about one open contact in a hundred
                (screened_at if state != ContactState.AWAITING_SCREENING else received) if assigned else None,
            ))
            for position, (pid, role) in enumerate(subject_list):
                subject_id += 1
                subjects.append((subject_id, cid, pid, role, position))
                if role in (SubjectRole.SUBJECT_CHILD, SubjectRole.SIBLING):
                    person_last[pid] = received
            if state == ContactState.AWAITING_SCREENING:
                continue
            screening_id += 1
            screenings.append((screening_id, cid, "Worries recorded at screening.", "Parents engaging with school.",
                               "Checks with partner agencies.", "", True, self.document_id, level,
                               Recommendation.ROUTE, screener, screened_at))
            rating_id += 1
            # The approval clock (rating_approval): running while pending, met at the decision.
            approval_due = screened_at + timedelta(hours=APPROVAL_HOURS[brag])
            approval_warn = screened_at + timedelta(hours=APPROVAL_HOURS[brag] / 2)
            clock = [Stage.RATING_APPROVAL, self.windows.get(("rating_approval", brag)), screened_at, approval_warn,
                     approval_due]
            if state == ContactState.AWAITING_APPROVAL:
                clock += [None, approval_warn if approval_warn <= self.now else None,
                          approval_due if approval_due <= self.now else None]
                ratings.append((rating_id, cid, reference, brag, level, "Rationale for the proposed rating.", screener,
                                screened_at, RatingDecision.PENDING, "", None, None, "", *clock))
            else:
                clock += [decided_at, None, None]
                ratings.append((rating_id, cid, reference, brag, level, "Rationale for the proposed rating.", screener,
                                screened_at, RatingDecision.APPROVED, brag, manager, decided_at, "", *clock))
            if state == ContactState.CLOSED:
                outcome_id += 1
                outcomes.append((outcome_id, cid, rng.choice(OUTCOMES), "Rationale for the outcome.",
                                 "Summary for the receiving service.", manager, closed_at, "", None))
        history = self._history(planned)
        self._copy(people, contacts, subjects, screenings, ratings, outcomes)
        for year, last in self.counters.items():
            ReferenceCounter.objects.update_or_create(year=year, defaults={"last": last})
        return {"contacts": len(contacts), "open": n_open, "people": len(people), "subjects": len(subjects),
                "history": history}

    @staticmethod
    def _history(planned) -> int:
        """Earlier subject rows, within 12 months, of each contact's children (what the contact page lists)."""
        seen: dict[int, list[datetime]] = {}
        total = 0
        for received, subject_list in planned:
            for pid, role in subject_list:
                if role in (SubjectRole.SUBJECT_CHILD, SubjectRole.SIBLING):
                    earlier = seen.setdefault(pid, [])
                    total += sum(1 for t in earlier if received - t < timedelta(days=365))
                    earlier.append(received)
        return total

    def _copy(self, people, contacts, subjects, screenings, ratings, outcomes):
        plan = [
            ("contacts_person", "id, first_name, last_name, date_of_birth, expected_date_of_birth, address, postcode, "
             "nhs_number, surname_key, forename_initial, forename_key, surname_sound, forename_sound, "
             "surname_phonetic, forename_phonetic, birth_key, created_at", people),
            ("contacts_contact", "id, clock_stage, clock_started_at, warn_at, due_at, met_at, warned_at, breached_at, "
             "reference, received_at, channel, referrer_name, referrer_role, referrer_organisation, referrer_phone, "
             "referrer_email, referral_source, concern, presenting_factors, consent_answer, consent_detail, "
             "force_reference, state, rating, returned_to_screener, repeat_flag, closed_at, assigned_screener_id, "
             "restricted, created_by_id, created_at, clock_window_id, proposed_rating, immediate_risk, assigned_at",
             contacts),
            ("contacts_contactsubject", "id, contact_id, person_id, role, position", subjects),
            ("contacts_screening", "id, contact_id, worries, working_well, needs_to_happen, danger_statements, "
             "history_checked, threshold_document_id, level_id, recommendation, screened_by_id, screened_at",
             screenings),
            ("contacts_rating", "id, contact_id, contact_reference, proposed_brag, level_id, rationale, "
             "proposed_by_id, proposed_at, decision, decided_brag, decided_by_id, decided_at, decision_reason, "
             "clock_stage, clock_window_id, clock_started_at, warn_at, due_at, met_at, warned_at, breached_at",
             ratings),
            ("contacts_outcome", "id, contact_id, kind, rationale, summary, decided_by_id, decided_at, "
             "referrer_feedback, referrer_feedback_queued_at", outcomes),
        ]
        with connection.cursor() as cursor:
            raw = cursor.connection.cursor()
            for table, columns, rows in plan:
                with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)

