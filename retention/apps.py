from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = "Retention and destruction"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from contacts import stamps
        from mash import access, notify, site
        from mash.access import Role

        from . import actions  # noqa: F401 (registers the retention audit actions)
        from .models import LegalHold
        from .panel import contact_panel, person_panel

        site.add_panel("contact", "retention/_hold_panel.html", context=contact_panel, order=90,
                       scopes=stamps.on_the_contact)
        # A hold on a contact draws its page again; a hold on a person, every page naming them.
        stamps.follow(LegalHold, lambda hold: hold.contact_id)
        post_save.connect(_person_hold, sender=LegalHold, dispatch_uid="retention.person_hold.save")
        post_delete.connect(_person_hold, sender=LegalHold, dispatch_uid="retention.person_hold.delete")
        site.add_panel("person", "retention/_hold_panel.html", context=person_panel, order=90)
        site.add_navigation("retention:reviews", "Retention", roles={Role.MANAGER}, order=70)
        notify.register_kinds({"retention.due": "Records due for a retention review"})
        access.grant(Role.MANAGER, ["retention.view_destructionreview", "retention.view_legalhold",
                                    "retention.add_legalhold", "retention.view_destructionlog"])
        access.grant(Role.ADMIN, [f"retention.{verb}_retentionrule" for verb in ("view", "add", "change")])
        access.grant(Role.ADMIN, ["retention.view_destructionlog"])


def _person_hold(sender, instance, **kwargs) -> None:
    from contacts.stamps import person_scope
    from mash.polling import stamp_bump

    if instance.person_id is not None:
        stamp_bump(person_scope(instance.person_id))
