from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "Consent and information sharing"

    def ready(self):
        from contacts.signals import outcome_decided
        from mash import access, site
        from mash.access import Role

        from . import (
            actions,  # noqa: F401 (registers the consent audit actions)
            stamps,
        )
        from .panel import contact_panel_kept, panel_scopes, person_panel
        from .receivers import outcome_disclosures

        # After the contact's own sections, before anything enquiries adds.
        # Kept drawn under the versions of what it shows (consent.stamps raises the contact's consent version).
        site.add_panel("contact", "consent/_panel_kept.html", context=contact_panel_kept, order=10,
                       scopes=panel_scopes)
        stamps.connect()
        site.add_panel("person", "consent/_person_panel.html", context=person_panel, order=10)
        outcome_decided.connect(outcome_disclosures, dispatch_uid="consent.outcome_disclosures")
        # The consent panel reads the signatories from the cache: any change to an agency or a health kind drops it.
        from django.db.models.signals import post_delete, post_save

        from agencies.models import Agency

        from .models import HealthKind
        from .selectors import forget_signatories

        for model in (Agency, HealthKind):
            for name, signal in (("saved", post_save), ("deleted", post_delete)):
                signal.connect(forget_signatories, sender=model,
                               dispatch_uid=f"consent.forget_signatories.{model.__name__}.{name}")

        staff = ["consent.view_consentrecord", "consent.add_consentrecord", "consent.change_consentrecord",
                 "consent.view_sharingdecision", "consent.add_sharingdecision", "consent.view_disclosure",
                 "consent.add_referreranonymity"]
        access.grant(Role.SCREENER, staff)
        access.grant(Role.MANAGER, [*staff, "consent.decide_sharingdecision", "consent.clear_basisflag",
                                    "consent.export_subject_access"])
        access.grant(Role.ADMIN, [
            f"consent.{verb}_{model}" for model in ("lawfulbasis", "sharingreason", "healthkind")
            for verb in ("view", "add", "change")
        ])
        access.grant(Role.ADMIN, ["consent.delete_healthkind"])
