from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "National returns and performance"

    def ready(self):
        from contacts import stamps
        from contacts.signals import outcome_decided
        from mash import access, site
        from mash.access import Role

        from . import actions  # noqa: F401 (registers the reports audit actions)
        from .models import Referral
        from .panel import contact_panel
        from .receivers import outcome_referrals

        # After consent's panel (10), before anything enquiries adds.
        site.add_panel("contact", "reports/_referral_panel.html", context=contact_panel, order=15,
                       scopes=stamps.on_the_contact)
        stamps.follow(Referral, lambda referral: referral.contact_id)  # the panel is drawn from them
        outcome_decided.connect(outcome_referrals, dispatch_uid="reports.outcome_referrals")
        site.add_navigation("reports:returns", "National returns", roles={Role.MANAGER}, order=60)
        site.add_navigation("reports:performance", "Performance", roles={Role.MANAGER, Role.PARTNER}, order=55)
        access.grant(Role.MANAGER, ["reports.view_referral", "reports.export_returns", "reports.view_performance",
                                    "reports.change_referral"])
        access.grant(Role.PARTNER, ["reports.view_performance"])
