from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Agencies and users"

    def ready(self):
        from . import roles, signals  # noqa: F401

        post_migrate.connect(roles.sync_roles, dispatch_uid="agencies.sync_roles")
