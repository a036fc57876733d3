from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MashConfig(AppConfig):
    name = "mash"
    verbose_name = "MASH kernel"

    def ready(self):
        from . import access, checks, site  # noqa: F401 (checks: registers the deploy checks)
        from .access import Role

        site.add_navigation("at_risk", "At risk", roles=access.MASH_ROLES, order=40)
        site.add_navigation("notifications", "Notifications", roles=set(Role), order=90)
        site.add_navigation("mfa_people", "Second factors", roles={Role.MANAGER, Role.ADMIN}, order=95)
        site.add_navigation("mfa_passkeys", "Passkeys", roles=set(Role), order=96)
        from . import notify
        from .mfa import actions  # noqa: F401 (registers the second factor's audit actions)
        from .models import EscalationKind

        notify.register_kinds({f"escalation.{kind.value}": label for kind, label in
                               zip(EscalationKind, EscalationKind.labels, strict=True)})
        notify.register_kinds({f"escalation.{kind.value}.digest": f"{label} (several)" for kind, label in
                               zip(EscalationKind, EscalationKind.labels, strict=True)})
        site.set_home(Role.ADMIN, "admin:index")
        access.grant(Role.ADMIN, [
            "mash.view_auditevent",
            "mash.view_responsewindow", "mash.add_responsewindow", "mash.change_responsewindow",
            "mash.view_closureday", "mash.add_closureday", "mash.change_closureday", "mash.delete_closureday",
            "mash.view_escalation", "mash.view_notification", "mash.view_sweeprun",
            "auth.view_group",
        ])
        post_migrate.connect(access.sync_roles, dispatch_uid="mash.sync_roles")
        from django.contrib.auth.signals import user_logged_in

        from .session_timeout import mark_signed_in

        user_logged_in.connect(mark_signed_in, dispatch_uid="mash.session_timeout.signed_in_at")
        # A user's row, groups, permissions and devices ("user:<id>"), and what the roles grant ("roles"), decide
        # what they see: the cached user is read again (mash.principal) and pages they have open refresh.
        from . import principal

        principal.connect()
