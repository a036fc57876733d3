from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Agencies and users"

    def ready(self):
        from . import actions, roles, signals  # noqa: F401 (signals: sign-ins go in the audit log)

        roles.grant_permissions()
