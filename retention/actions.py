"""The audit actions retention records, registered with the kernel's audit log."""

from django.db import models

from mash.audit import register_actions


class RetentionAction(models.TextChoices):
    RULE_CHANGED = "retention.rule_changed", "Retention rule set"
    REVIEWS_LISTED = "retention.listed", "Records listed for a retention review"
    REVIEWS_VIEWED = "retention.viewed", "Retention reviews viewed"
    DESTRUCTION_APPROVED = "retention.approved", "Destruction approved (first manager)"
    RECORD_KEPT = "retention.kept", "Kept past its retention period"
    RECORD_DESTROYED = "retention.destroyed", "Destroyed under the retention schedule"
    HOLD_PLACED = "retention.hold_placed", "Legal hold placed"
    HOLD_LIFTED = "retention.hold_lifted", "Legal hold lifted"
    HOLDS_VIEWED = "retention.holds_viewed", "Legal holds viewed"


register_actions(RetentionAction)
