"""Consent, decisions to share without it, and the ledger of what left the MASH (DESIGN.md section 3).

Every share has a recorded basis: a ConsentRecord (who agreed, for whom, to what, told what) or a SharingDecision
(a manager's decision to share without consent, with its reason and lawful basis). Each actual share is a
Disclosure. The lists a council maintains (lawful bases, reasons, which agency kinds count as health) are models
with history; a decision keeps a snapshot of the text it was decided on.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from agencies.models import AgencyKind

from .codes import (
    Capacity,
    ConsentState,
    DecisionState,
    DisclosureBasis,
    Explained,
    FamilyTold,
    InfoKind,
    Method,
    Threshold,
)

# --- the lists an administrator maintains -------------------------------------------------------------------


class LawfulBasis(models.Model):
    """A lawful basis for sharing without consent: the UK GDPR Article 6 condition, the Article 9 (or DPA 2018
    Schedule 1 / Schedule 8) condition for special category data, and the statutory power."""

    name = models.CharField(max_length=200, unique=True, help_text="A short name staff choose from")
    article_6 = models.CharField("Article 6 condition", max_length=300,
                                 help_text="e.g. UK GDPR Article 6(1)(e): public task")
    special_category = models.CharField(
        "special category condition", max_length=300, blank=True,
        help_text="For health and other special category data: e.g. Article 9(2)(g) with DPA 2018 Schedule 1 "
        "Part 2 paragraph 18 (safeguarding of children and individuals at risk)",
    )
    statutory_power = models.CharField(max_length=500, blank=True,
                                       help_text="e.g. Children Act 1989 sections 17 and 47")
    notes = models.TextField(blank=True, help_text="When to use it, shown to managers as they decide")
    active = models.BooleanField(default=True, help_text="Inactive bases are not offered; past decisions keep theirs")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the list (low first)")
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "lawful bases"

    def __str__(self):
        return self.name

    @property
    def text(self) -> str:
        """The whole basis in words: what a decision records as its snapshot."""
        parts = [self.name, self.article_6, self.special_category, self.statutory_power]
        return "\n".join(part for part in parts if part)


class SharingReason(models.Model):
    """Why consent is not sought, or is overridden."""

    code = models.SlugField(max_length=64, unique=True, help_text="A stable name (the decision aid links with it)")
    label = models.CharField(max_length=300, unique=True)
    overrides_confidentiality = models.BooleanField(
        "records the overriding public interest", default=False,
        help_text="This reason records the overriding public interest (such as a risk of significant harm) that "
        "allows a health agency to be asked without consent, despite the common law duty of confidentiality.",
    )
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "label"]

    def __str__(self):
        return self.label


class HealthKind(models.Model):
    """An agency kind that counts as health: bound by the common law duty of confidentiality, so it may be asked
    only with consent covering health information or a decision recording the overriding public interest."""

    kind = models.CharField(max_length=32, choices=AgencyKind.choices, unique=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind"]
        verbose_name = "agency kind that counts as health"
        verbose_name_plural = "agency kinds that count as health"

    def __str__(self):
        return self.get_kind_display()


# --- the records -------------------------------------------------------------------------------------------------


class ConsentRecord(models.Model):
    """A person's consent (or refusal) to the MASH asking agencies about one or more people on a contact.

    A given consent may later be withdrawn (state, when, how, recorded by); a refusal stands until the person gives
    consent again (a new record). Consent covers only the people named in `children_ids`: consent for child A
    never covers child B.

    Whom and which agencies a record (or a decision) covers are lists of ids, not many-to-many tables: they are
    written once, by the service that checks them (people on this contact, agencies that exist), never change, and
    are read on every contact page (the sharing position), where one plain query must do.
    """

    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="consent_records")
    given_by = models.ForeignKey("contacts.Person", on_delete=models.PROTECT, related_name="consents_given")
    capacity = models.CharField(max_length=16, choices=Capacity.choices)
    competence_note = models.TextField("why the child is judged competent", blank=True)
    children_ids = models.JSONField("whose information it covers (person ids)", default=list)
    # The scope: agencies by kind, or by name (ids); and which kinds of information.
    agency_kinds = models.JSONField(default=list, blank=True)
    agency_ids = models.JSONField("agencies by name (ids)", default=list, blank=True)
    info_kinds = models.JSONField("kinds of information", default=list, blank=True)
    purpose = models.TextField()
    method = models.CharField("how it was obtained", max_length=16, choices=Method.choices)
    explained = models.JSONField("what was explained", default=list, blank=True)
    understood = models.BooleanField("the person understood")
    state = models.CharField(max_length=16, choices=ConsentState.choices)
    obtained_by = models.CharField("asked by", max_length=200)
    obtained_at = models.DateTimeField("asked on")
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    withdrawal_note = models.TextField(blank=True)
    withdrawal_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                               on_delete=models.PROTECT, related_name="+")
    withdrawal_recorded_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["contact", "obtained_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(state=ConsentState.WITHDRAWN) & Q(withdrawn_at__isnull=False)
                           & Q(withdrawal_recorded_by__isnull=False))
                | (~Q(state=ConsentState.WITHDRAWN) & Q(withdrawn_at__isnull=True)),
                name="consent_withdrawn_has_when_and_who",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=F("obtained_at")),
                name="consent_withdrawn_after_given",
            ),
            # Consent counts only if the person understood; a refusal stands whatever they understood.
            models.CheckConstraint(
                condition=Q(state=ConsentState.REFUSED) | Q(understood=True),
                name="consent_given_was_understood",
            ),
            models.CheckConstraint(
                condition=~Q(capacity=Capacity.GILLICK) | ~Q(competence_note=""),
                name="consent_gillick_has_judgement",
            ),
        ]

    def __str__(self):
        return f"{self.get_state_display()}: {self.given_by} on {self.contact}"

    @property
    def scope_labels(self) -> list[str]:
        """The agencies it covers, in words: kinds of agency, then agencies by name (one query when it names any)."""
        from agencies.models import Agency

        named = list(Agency.objects.filter(pk__in=self.agency_ids).values_list("name", flat=True)) if (
            self.agency_ids) else []
        return [AgencyKind(k).label for k in self.agency_kinds if k in AgencyKind.values] + sorted(named)

    @property
    def info_kind_labels(self) -> list[str]:
        return [InfoKind(k).label for k in self.info_kinds if k in InfoKind.values]

    @property
    def explained_labels(self) -> list[str]:
        return [Explained(k).label for k in self.explained if k in Explained.values]


class SharingDecision(models.Model):
    """A decision to share without consent (or despite a refusal): a screener or manager proposes, another
    manager decides (four eyes: the database refuses decider = proposer). An approved decision keeps a snapshot
    of its lawful basis and reason, so later edits of those lists never change what was decided."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="sharing_decisions")
    children_ids = models.JSONField("children it covers (person ids)", default=list)
    agency_ids = models.JSONField("agencies it covers (ids)", default=list)
    threshold = models.CharField("threshold that applies", max_length=16, choices=Threshold.choices)
    reason = models.ForeignKey(SharingReason, on_delete=models.PROTECT, related_name="+")
    reason_label = models.CharField(max_length=300)
    reason_overrides_confidentiality = models.BooleanField()
    narrative = models.TextField("why consent is not sought or is overridden")
    purpose = models.TextField()
    advice = models.TextField("advice taken", blank=True)
    family_told = models.CharField("will the family be told?", max_length=16, choices=FamilyTold.choices)
    family_told_on = models.DateField(null=True, blank=True)
    family_not_told_reason = models.TextField(blank=True)
    state = models.CharField(max_length=16, choices=DecisionState.choices, default=DecisionState.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    lawful_basis = models.ForeignKey(LawfulBasis, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    basis_text = models.TextField("lawful basis as decided", blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["contact", "proposed_at", "id"]
        permissions = [("decide_sharingdecision", "Can decide to share without consent (four eyes)")]
        constraints = [
            # Four eyes: whoever proposed a decision may never decide it.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("proposed_by")),
                name="sharing_decider_is_not_proposer",
            ),
            models.CheckConstraint(
                condition=(Q(state=DecisionState.PROPOSED) & Q(decided_by__isnull=True) & Q(decided_at__isnull=True))
                | (~Q(state=DecisionState.PROPOSED) & Q(decided_by__isnull=False) & Q(decided_at__isnull=False)),
                name="sharing_decided_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~Q(state=DecisionState.APPROVED) | (Q(lawful_basis__isnull=False) & ~Q(basis_text="")),
                name="sharing_approved_has_lawful_basis",
            ),
            models.CheckConstraint(
                condition=~Q(state=DecisionState.DECLINED) | ~Q(decision_note=""),
                name="sharing_declined_has_note",
            ),
            models.CheckConstraint(condition=~Q(narrative="") & ~Q(reason_label=""), name="sharing_has_reason"),
            models.CheckConstraint(
                condition=~Q(family_told=FamilyTold.NOT_TOLD) | ~Q(family_not_told_reason=""),
                name="sharing_not_told_has_reason",
            ),
        ]

    def __str__(self):
        return f"Sharing without consent on {self.contact} ({self.get_state_display()})"


class Disclosure(models.Model):
    """One time information left the MASH or was shown to another agency: what, about whom, to whom, on which
    basis, when and by whom. Written by the service that shares, in the same transaction. The ledger behind a
    family's subject access request."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="disclosures")
    about = models.ManyToManyField("contacts.Person", related_name="disclosures_about")
    summary = models.CharField("what was shared", max_length=500)
    field_names = models.JSONField("which fields", default=list, blank=True)
    content = models.TextField("the words that were sent", blank=True)
    to_agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    to_team = models.ForeignKey("agencies.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_person = models.CharField(max_length=300, blank=True, help_text="A person, e.g. the referrer")
    basis_kind = models.CharField("basis", max_length=32, choices=DisclosureBasis.choices)
    consent_record = models.ForeignKey(ConsentRecord, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="disclosures")
    sharing_decision = models.ForeignKey(SharingDecision, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="disclosures")
    disclosed_at = models.DateTimeField(default=timezone.now)
    # Null: the system itself.
    disclosed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["contact", "disclosed_at", "id"]
        permissions = [("export_subject_access", "Can produce a subject access export for a person")]
        indexes = [models.Index(fields=["contact", "disclosed_at"], name="disclosure_contact_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_agency__isnull=False) | Q(to_team__isnull=False) | ~Q(to_person=""),
                name="disclosure_has_recipient",
            ),
            models.CheckConstraint(
                condition=~Q(basis_kind=DisclosureBasis.CONSENT) | Q(consent_record__isnull=False),
                name="disclosure_consent_names_record",
            ),
            models.CheckConstraint(
                condition=~Q(basis_kind=DisclosureBasis.SHARING_DECISION) | Q(sharing_decision__isnull=False),
                name="disclosure_decision_names_record",
            ),
        ]

    def __str__(self):
        return f"{self.summary} → {self.recipient}"

    @property
    def recipient(self) -> str:
        parts = [str(self.to_team) if self.to_team_id else (str(self.to_agency) if self.to_agency_id else ""),
                 self.to_person]
        return ", ".join(p for p in parts if p)


class BasisFlag(models.Model):
    """A withdrawal or refusal took away the basis for asking agencies: flagged to the MASH managers, shown on the
    contact's consent panel until a manager clears it (saying what they did about requests in flight)."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="basis_flags")
    consent_record = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, related_name="flags")
    # What stopped being permitted: [{"agency_id", "agency", "children": [{"id", "name"}]}].
    lost = models.JSONField(default=list)
    raised_at = models.DateTimeField(default=timezone.now)
    cleared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    cleared_at = models.DateTimeField(null=True, blank=True)
    clear_note = models.TextField(blank=True)

    class Meta:
        ordering = ["contact", "raised_at", "id"]
        verbose_name = "flag: a basis for sharing was lost"
        permissions = [("clear_basisflag", "Can clear a flag that a basis for sharing was lost")]
        constraints = [
            models.CheckConstraint(
                condition=Q(cleared_at__isnull=True) | (Q(cleared_by__isnull=False) & ~Q(clear_note="")),
                name="basisflag_cleared_with_note",
            ),
            # A record takes a basis away once: refused when recorded, or given and later withdrawn.
            models.UniqueConstraint(fields=["consent_record"], name="basisflag_one_per_record"),
        ]

    def __str__(self):
        return f"Basis lost on {self.contact}"


class ReferrerAnonymity(models.Model):
    """The referrer asked to stay anonymous: their identity is withheld from what the family is given.

    Referral source 9 (Anonymous) is treated the same way without a row. (The intake form has no such question:
    it is recorded here, from the contact page.)"""

    contact = models.OneToOneField("contacts.Contact", on_delete=models.PROTECT, related_name="referrer_anonymity")
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "referrer anonymity requests"

    def __str__(self):
        return f"Referrer of {self.contact} asked to stay anonymous"
