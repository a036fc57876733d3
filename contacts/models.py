import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from guardian.models import UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from mash.codes import Brag, stage_label
from mash.deadlines import Clocked

from . import identifiers
from .census import Ethnicity, Sex, UpnUnknown
from .codes import (
    Channel,
    ConsentAnswer,
    ContactState,
    OutcomeKind,
    RatingDecision,
    Recommendation,
    ReferralSource,
    SubjectRole,
    ThresholdStatus,
)


class Person(models.Model):
    """Someone named on a contact: a child (born or unborn) or an adult."""

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    expected_date_of_birth = models.DateField(null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    # What the national returns need (CIN census names; contacts.census has the codes and the rules). All optional:
    # recorded at intake or screening where known, never needed to save a contact.
    # Database defaults too: the bulk loaders (seed_bench's COPY) name only the columns they fill.
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True, default="", db_default="")
    ethnicity = models.CharField(max_length=4, choices=Ethnicity.choices, blank=True, default="", db_default="")
    disabilities = models.JSONField("disabilities (CIN codes)", default=list, blank=True,
                                    db_default=Value([], output_field=models.JSONField()))
    upn = models.CharField("UPN", max_length=13, blank=True, default="", db_default="")
    upn_unknown = models.CharField("why the UPN is not known", max_length=3, choices=UpnUnknown.choices, blank=True,
                                   default="", db_default="")
    la_child_id = models.CharField("local child ID", max_length=20, blank=True, default="", db_default="")
    # Stored match keys, so that finding candidates is an index lookup (contacts.matching, contacts.search), all
    # computed by contacts.identifiers.person_keys: exact (letters only), phonetic (Soundex and Metaphone), and
    # the date of birth with day and month in order (a swapped date has the same key).
    surname_key = models.CharField(max_length=100, blank=True, editable=False)
    forename_initial = models.CharField(max_length=1, blank=True, editable=False)
    forename_key = models.CharField(max_length=100, blank=True, editable=False)
    surname_sound = models.CharField(max_length=4, blank=True, editable=False)
    forename_sound = models.CharField(max_length=4, blank=True, editable=False)
    surname_phonetic = models.CharField(max_length=12, blank=True, editable=False)
    forename_phonetic = models.CharField(max_length=12, blank=True, editable=False)
    birth_key = models.DateField(null=True, blank=True, editable=False)
    # An open case: the allocated social worker and their team.
    allocated_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="allocated_people"
    )
    allocated_team = models.ForeignKey(
        "agencies.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="allocated_people"
    )
    # Restricted (e.g. a staff member's child): seen only by those granted it (PersonUserObjectPermission), and
    # every contact naming them with it (contacts.selectors.contacts_visible_to). Database defaults: seed_bench COPYs.
    restricted = models.BooleanField(default=False, db_default=False)
    restricted_reason = models.TextField(blank=True, default="", db_default="")
    # Set when a manager merges this record into another: the record stays, for history.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "people"
        permissions = [("merge_person", "Can merge two records of the same person")]
        indexes = [
            models.Index(fields=["surname_key", "forename_initial", "date_of_birth"], name="person_match_name_dob"),
            models.Index(fields=["postcode", "date_of_birth"], name="person_match_postcode_dob"),
            models.Index(fields=["nhs_number"], condition=~Q(nhs_number=""), name="person_match_nhs"),
            # Names that sound alike (the search, and the match with birth_key).
            models.Index(fields=["surname_sound", "forename_sound"], name="person_match_sound"),
            models.Index(fields=["surname_phonetic", "forename_phonetic"], name="person_match_phonetic"),
            # A first name alone (the search: "Ruby" is a first name or a surname), exactly or sounding alike.
            models.Index(fields=["forename_sound", "forename_key"], name="person_forename_sound_key"),
            models.Index(fields=["forename_phonetic"], name="person_forename_phonetic"),
            # A date of birth, or the same with day and month swapped (the search and the match).
            models.Index(fields=["birth_key"], name="person_match_birth"),
            # The few restricted people: what every list leaves out (contacts.selectors.visible_through).
            models.Index(fields=["id"], condition=Q(restricted=True), name="person_restricted"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=True) | Q(expected_date_of_birth__isnull=True),
                name="person_born_or_expected_not_both",
            ),
            models.CheckConstraint(condition=Q(upn="") | Q(upn_unknown=""), name="person_upn_or_reason_not_both"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def save(self, *args, **kwargs):
        self.refresh_match_keys()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("contacts:person", args=[self.pk])

    def refresh_match_keys(self):
        keys = identifiers.person_keys(first_name=self.first_name, last_name=self.last_name,
                                       date_of_birth=self.date_of_birth)
        for name, value in keys.items():
            setattr(self, name, value)

    @property
    def is_unborn(self) -> bool:
        return self.date_of_birth is None and self.expected_date_of_birth is not None


class ReferenceCounter(models.Model):
    """The last contact number issued in a year: rows are locked while a number is taken."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class Contact(Clocked):
    # Unique through Meta.constraints, not unique=True: nothing searches references by prefix, so the
    # extra LIKE index unique=True makes on PostgreSQL would only slow every write.
    reference = models.CharField(max_length=16)
    received_at = models.DateTimeField()
    channel = models.CharField(max_length=32, choices=Channel.choices)
    referrer_name = models.CharField(max_length=200)
    referrer_role = models.CharField(max_length=200, blank=True)
    referrer_organisation = models.CharField(max_length=200, blank=True)
    referrer_phone = models.CharField(max_length=40, blank=True)
    referrer_email = models.EmailField(blank=True)
    referral_source = models.CharField("referral source (CIN code)", max_length=2, choices=ReferralSource.choices)
    concern = models.TextField()
    presenting_factors = models.JSONField("presenting factors (CIN factor codes)", default=list, blank=True)
    consent_answer = models.CharField(
        "parents' consent to the referral", max_length=16, choices=ConsentAnswer.choices, blank=True
    )
    consent_detail = models.TextField(blank=True)
    # A police notification's own reference: re-importing a file creates nothing twice.
    force_reference = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=32, choices=ContactState.choices, default=ContactState.AWAITING_SCREENING)
    # The approved rating, copied from the latest approved Rating for queues and filters.
    rating = models.CharField(max_length=8, choices=Brag.choices, blank=True)
    # The rating awaiting a manager's decision ("" when none), copied from the pending Rating by the services that
    # propose and decide it: the approvals queue sorts by it, the at-risk board shows it until approval.
    proposed_rating = models.CharField(max_length=8, choices=Brag.choices, blank=True)
    # Marked by the screener at intake: the child may be at risk of harm now. Tops every queue; the duty manager
    # is told at once.
    immediate_risk = models.BooleanField("immediate risk", default=False)
    returned_to_screener = models.BooleanField(default=False)
    repeat_flag = models.BooleanField("repeat contact", default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    assigned_screener = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_contacts",
        db_index=False,  # contact_queue_screener leads with it
    )
    # When the assigned screener took the contact (or was given it): "Sam Okafor has had this since 10:32".
    assigned_at = models.DateTimeField(null=True, blank=True)
    # Restricted (e.g. a staff member's family): seen only by those granted it (ContactUserObjectPermission,
    # contacts.selectors.contacts_visible_to). The reason says why, for the managers who grant it.
    restricted = models.BooleanField(default=False)
    restricted_reason = models.TextField(blank=True, default="", db_default="")  # db_default: seed_bench COPYs
    # No index: nothing looks contacts up by who recorded them, and users are deactivated, not deleted
    # (PROTECT refuses the delete of anyone who recorded a contact).
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # The form's one-time key: a double submit finds the contact the first submit made.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    people = models.ManyToManyField(Person, through="ContactSubject", related_name="contacts")
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # The work queues: one state, immediate risk first, then the soonest deadline: a page of 25 is read from
            # the index in order (no sort of every contact in the state, each with its concern).
            models.Index(fields=["state", "-immediate_risk", "due_at", "id"], name="contact_queue_state_risk_due"),
            models.Index(fields=["assigned_screener", "state", "due_at"], name="contact_queue_screener"),
            # Re-importing police notifications finds what was imported before.
            models.Index(fields=["force_reference"], condition=~Q(force_reference=""), name="contact_force_reference"),
            # Running clocks, read by the deadline sweep.
            models.Index(fields=["due_at"], condition=Q(met_at__isnull=True), name="contact_clock_running"),
            # Clocks not yet warned: the sweep's target query (mash.deadlines.sweep).
            models.Index(
                fields=["warn_at"],
                condition=Q(met_at__isnull=True, warned_at__isnull=True, breached_at__isnull=True),
                name="contact_clock_warn_pending",
            ),
            # The few restricted contacts: what every list leaves out (contacts.selectors.visible_through).
            models.Index(fields=["id"], condition=Q(restricted=True), name="contact_restricted"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="contact_reference_unique"),
            models.CheckConstraint(
                condition=Q(due_at__isnull=True) | Q(due_at__gt=models.F("clock_started_at")),
                name="contact_due_after_start",
            ),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("contacts:detail", args=[self.reference])

    @property
    def clock_stage_label(self) -> str:
        return stage_label(self.clock_stage)


class ContactSubject(models.Model):
    """A person named on a contact, in a role. One row per child per contact is what Ofsted counts."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="subjects")
    # Indexed with the contact (below), not alone: a person's contacts are read from the index without the table.
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="subject_of", db_index=False)
    role = models.CharField(max_length=32, choices=SubjectRole.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["contact", "position"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "person"], name="subject_once_per_contact"),
        ]
        indexes = [
            # The contacts naming a person, from the index alone: the restricted-record filter on every list reads
            # the contacts naming the few restricted people (contacts.selectors.hidden_contacts), a history the
            # contacts of each person on a contact.
            models.Index(fields=["person", "contact"], name="subject_person_contact"),
        ]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()}) on {self.contact}"


# A published threshold document, its levels and its criteria never change (contacts.thresholds). On PostgreSQL
# these triggers refuse it in the database too, whatever code tries (django-pgtrigger; on SQLite they are not
# installed, and the service and the models' save() and delete() hold the rule there).
PUBLISHED_DOCUMENT_FROZEN = """
    RAISE EXCEPTION 'pgtrigger: a published threshold document never changes: make a new draft (% on %)',
        TG_OP, TG_TABLE_NAME;
"""
LEVEL_OF_PUBLISHED_FROZEN = """
    IF TG_OP <> 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM contacts_thresholddocument d WHERE d.id = OLD.document_id
                   AND d.status = 'published') THEN
            RAISE EXCEPTION 'pgtrigger: a level of a published threshold document never changes (%)', TG_OP;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM contacts_thresholddocument d WHERE d.id = NEW.document_id
                   AND d.status = 'published') THEN
            RAISE EXCEPTION 'pgtrigger: a level of a published threshold document never changes (%)', TG_OP;
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
"""
CRITERION_OF_PUBLISHED_FROZEN = """
    IF TG_OP <> 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM contacts_levelofneed l JOIN contacts_thresholddocument d ON d.id = l.document_id
                   WHERE l.id = OLD.level_id AND d.status = 'published') THEN
            RAISE EXCEPTION 'pgtrigger: a criterion of a published threshold document never changes (%)', TG_OP;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM contacts_levelofneed l JOIN contacts_thresholddocument d ON d.id = l.document_id
                   WHERE l.id = NEW.level_id AND d.status = 'published') THEN
            RAISE EXCEPTION 'pgtrigger: a criterion of a published threshold document never changes (%)', TG_OP;
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
"""


def _published_guard(document_id) -> None:
    from .thresholds import threshold_editable_check

    threshold_editable_check(document_id)


class ThresholdDocument(models.Model):
    """The council's threshold document ("levels of need") as published versions.

    Levels and criteria are edited in a draft; publishing a draft makes it the active version, and a published
    version never changes again (a screening keeps pointing at the version it used). `contacts.thresholds`
    makes drafts and publishes them.
    """

    title = models.CharField(max_length=200)
    version = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=ThresholdStatus.choices, default=ThresholdStatus.DRAFT)
    published_on = models.DateField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", editable=False)
    # The version a draft was made from (None: written from scratch).
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 editable=False)
    active = models.BooleanField(default=False, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="threshold_one_active"),
            models.UniqueConstraint(fields=["title", "version"], name="threshold_title_version"),
            models.CheckConstraint(condition=Q(active=False) | Q(status=ThresholdStatus.PUBLISHED),
                                   name="threshold_active_is_published"),
            models.CheckConstraint(condition=Q(status=ThresholdStatus.DRAFT) | Q(published_on__isnull=False),
                                   name="threshold_published_has_date"),
        ]
        triggers = [
            # Only `active` may change on a published version (publishing its successor clears it).
            pgtrigger.Trigger(
                name="threshold_published_frozen", when=pgtrigger.Before, operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    "OLD.status = 'published' AND (OLD.title, OLD.version, OLD.status, OLD.published_on, "
                    "OLD.published_at, OLD.published_by_id, OLD.based_on_id) IS DISTINCT FROM (NEW.title, "
                    "NEW.version, NEW.status, NEW.published_on, NEW.published_at, NEW.published_by_id, "
                    "NEW.based_on_id)"),
                func=PUBLISHED_DOCUMENT_FROZEN,
            ),
            pgtrigger.Trigger(
                name="threshold_published_kept", when=pgtrigger.Before, operation=pgtrigger.Delete,
                condition=pgtrigger.Condition("OLD.status = 'published'"), func=PUBLISHED_DOCUMENT_FROZEN,
            ),
        ]

    def __str__(self):
        draft = " (draft)" if self.status == ThresholdStatus.DRAFT else ""
        return f"{self.title} (version {self.version}){draft}"

    def save(self, *args, **kwargs):
        # Publishing and retiring go through contacts.thresholds, which says so (`_publishing`).
        if self.pk is not None and not getattr(self, "_publishing", False):
            _published_guard(self.pk)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _published_guard(self.pk)
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == ThresholdStatus.PUBLISHED


class LevelOfNeed(models.Model):
    document = models.ForeignKey(ThresholdDocument, on_delete=models.PROTECT, related_name="levels")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    usual_rating = models.CharField(max_length=8, choices=Brag.choices, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["document", "number"]
        verbose_name_plural = "levels of need"
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="level_number_per_document")]
        triggers = [
            pgtrigger.Trigger(name="level_of_published_frozen", when=pgtrigger.Before,
                              operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                              func=LEVEL_OF_PUBLISHED_FROZEN),
        ]

    def __str__(self):
        return f"Level {self.number}: {self.name}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            _published_guard(LevelOfNeed.objects.filter(pk=self.pk).values("document_id"))
        _published_guard(self.document_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _published_guard(self.document_id)
        return super().delete(*args, **kwargs)


class ThresholdCriterion(models.Model):
    level = models.ForeignKey(LevelOfNeed, on_delete=models.PROTECT, related_name="criteria")
    code = models.CharField(max_length=16)
    text = models.CharField(max_length=500)
    history = HistoricalRecords()

    class Meta:
        ordering = ["level", "code"]
        verbose_name_plural = "threshold criteria"
        constraints = [models.UniqueConstraint(fields=["level", "code"], name="criterion_code_per_level")]
        triggers = [
            pgtrigger.Trigger(name="criterion_of_published_frozen", when=pgtrigger.Before,
                              operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                              func=CRITERION_OF_PUBLISHED_FROZEN),
        ]

    def __str__(self):
        return f"{self.code} {self.text}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            _published_guard(LevelOfNeed.objects.filter(criteria__pk=self.pk).values("document_id"))
        _published_guard(LevelOfNeed.objects.filter(pk=self.level_id).values("document_id"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _published_guard(LevelOfNeed.objects.filter(pk=self.level_id).values("document_id"))
        return super().delete(*args, **kwargs)


class Screening(models.Model):
    """The screener's work on a contact (Signs of Safety, history checked, proposal). One per contact."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="screening")
    worries = models.TextField("what are we worried about?")
    working_well = models.TextField("what's working well?")
    needs_to_happen = models.TextField("what needs to happen?")
    danger_statements = models.TextField(blank=True)
    history_checked = models.BooleanField(default=False)
    threshold_document = models.ForeignKey(ThresholdDocument, on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey(LevelOfNeed, on_delete=models.PROTECT, related_name="+")
    criteria = models.ManyToManyField(ThresholdCriterion, blank=True, related_name="+")
    recommendation = models.CharField(max_length=16, choices=Recommendation.choices)
    # The rating the ticked criteria suggested, and the screener's reason when they proposed another.
    suggested_brag = models.CharField(max_length=8, choices=Brag.choices, blank=True, default="", db_default="")
    differs_reason = models.TextField(blank=True, default="", db_default="")
    screened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    screened_at = models.DateTimeField()
    history = HistoricalRecords(m2m_fields=[criteria])

    def __str__(self):
        return f"Screening of {self.contact}"


class Rating(Clocked):
    """One proposed BRAG rating and its four-eyes decision. Every version is kept.

    A proposal has its own clock (stage rating_approval, a window per proposed rating: Red 30 minutes by
    default), started when it is proposed and stopped when a manager decides or returns it; the deadline sweep
    escalates it like every other clock (registered in ContactsConfig.ready).
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="ratings")
    # The contact's reference, copied at the proposal (a reference never changes): the sweep names and links
    # a rating's escalations from the rating's own row, as it reads no other table.
    contact_reference = models.CharField(max_length=16, editable=False)
    proposed_brag = models.CharField(max_length=8, choices=Brag.choices)
    level = models.ForeignKey(LevelOfNeed, on_delete=models.PROTECT, related_name="+")
    rationale = models.TextField()
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    decision = models.CharField(max_length=16, choices=RatingDecision.choices, default=RatingDecision.PENDING)
    decided_brag = models.CharField(max_length=8, choices=Brag.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    @property
    def clock_stage_label(self) -> str:
        return stage_label(self.clock_stage)

    class Meta:
        ordering = ["contact", "proposed_at", "id"]
        permissions = [("decide_rating", "Can approve, change or return a proposed rating (four eyes)")]
        constraints = [
            # Four eyes: whoever proposed a rating may never decide it (only withdraw their own revision).
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("proposed_by"))
                | Q(decision="withdrawn"),
                name="rating_approver_is_not_proposer",
            ),
            models.UniqueConstraint(
                fields=["contact"], condition=Q(decision="pending"), name="rating_one_pending_per_contact"
            ),
            models.CheckConstraint(
                condition=Q(decision="pending") | (Q(decided_by__isnull=False) & Q(decided_at__isnull=False)),
                name="rating_decided_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~Q(decision="changed") | ~Q(decision_reason=""),
                name="rating_change_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(due_at__isnull=True) | Q(due_at__gt=models.F("clock_started_at")),
                name="rating_due_after_start",
            ),
        ]
        indexes = [
            # Running approval clocks, read by the deadline sweep (mash.deadlines.sweep).
            models.Index(fields=["due_at"], condition=Q(met_at__isnull=True), name="rating_clock_running"),
            # Not yet breached: the sweep's limit query steps over no backlog of breached proposals.
            models.Index(fields=["due_at"], condition=Q(met_at__isnull=True, breached_at__isnull=True),
                         name="rating_clock_breach_pending"),
            models.Index(
                fields=["warn_at"],
                condition=Q(met_at__isnull=True, warned_at__isnull=True, breached_at__isnull=True),
                name="rating_clock_warn_pending",
            ),
        ]

    def __str__(self):
        return f"{self.contact}: {self.get_proposed_brag_display()} ({self.get_decision_display()})"

    @property
    def effective_brag(self) -> str:
        return self.decided_brag or self.proposed_brag

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("contacts:decide", args=[self.contact_reference])


class Outcome(models.Model):
    """The decision on a contact: the route, why, who receives it, and the feedback to the referrer."""

    contact = models.OneToOneField(Contact, on_delete=models.PROTECT, related_name="outcome")
    kind = models.CharField(max_length=32, choices=OutcomeKind.choices)
    rationale = models.TextField()
    receiving_team = models.ForeignKey(
        "agencies.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="received_outcomes"
    )
    summary = models.TextField("summary for the receiving service")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    # What the referrer was told: the outcome (a professional) or an acknowledgement (the public).
    referrer_feedback = models.CharField(max_length=16, blank=True)
    referrer_feedback_queued_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    def __str__(self):
        return f"{self.contact}: {self.get_kind_display()}"


# --- drafts: a long form's answers, saved for the person typing them -------------------------------------------


class FormDraft(models.Model):
    """What someone has typed into a long form (record a contact, screening, a decision, an outcome), saved on the
    server so an idle sign-out, a closed tab or a crash loses nothing. One per person, form and record; only its
    author ever reads it (`contacts.drafts`). Deleted when the form is submitted, or discarded."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    form = models.CharField(max_length=32)  # a name from contacts.drafts.DRAFT_FORMS
    # The contact the form is about (None: a contact being recorded).
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)  # input name -> list of values, as the form posts them
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "form", "contact"], condition=Q(contact__isnull=False),
                                    name="draft_one_per_user_form_contact"),
            models.UniqueConstraint(fields=["user", "form"], condition=Q(contact__isnull=True),
                                    name="draft_one_per_user_form_new"),
        ]

    def __str__(self):
        return f"Draft {self.form} of {self.contact or 'a new contact'} by {self.user}"


# --- restricted records: who may see one (django-guardian, a direct foreign key: DESIGN.md section 5) ----------


class ContactUserObjectPermission(UserObjectPermissionBase):
    """A grant of `contacts.view_contact` on one restricted contact to one user (guardian's direct-foreign-key
    model: an indexed join, not the generic table)."""

    content_object = models.ForeignKey(Contact, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        # (user, permission, contact) unique: its index answers "which contacts may this user see" by its prefix
        pass


class PersonUserObjectPermission(UserObjectPermissionBase):
    """A grant of `contacts.view_person` on one restricted person to one user (the same direct-foreign-key model
    as a contact's grant)."""

    content_object = models.ForeignKey(Person, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass
