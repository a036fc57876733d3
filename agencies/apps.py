from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Agencies and users"

    def ready(self):
        from . import actions, roles, signals  # noqa: F401 (signals: sign-ins go in the audit log)

        roles.grant_permissions()

        from django.db.models.signals import post_delete, post_save

        from .models import User
        from .names import forget_user

        post_save.connect(forget_user, sender=User, dispatch_uid="agencies.forget_user.saved")
        post_delete.connect(forget_user, sender=User, dispatch_uid="agencies.forget_user.deleted")
