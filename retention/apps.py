from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = "Retention and destruction"

    def ready(self):
        from mash import access, notify, site
        from mash.access import Role

        from . import actions  # noqa: F401 (registers the retention audit actions)
        from .panel import contact_panel, person_panel

        site.add_panel("contact", "retention/_hold_panel.html", context=contact_panel, order=90)
        site.add_panel("person", "retention/_hold_panel.html", context=person_panel, order=90)
        site.add_navigation("retention:reviews", "Retention", roles={Role.MANAGER}, order=70)
        notify.register_kinds({"retention.due": "Records due for a retention review"})
        access.grant(Role.MANAGER, ["retention.view_destructionreview", "retention.view_legalhold",
                                    "retention.add_legalhold", "retention.view_destructionlog"])
        access.grant(Role.ADMIN, [f"retention.{verb}_retentionrule" for verb in ("view", "add", "change")])
        access.grant(Role.ADMIN, ["retention.view_destructionlog"])
