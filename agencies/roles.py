"""The permissions agencies gives the administrator (each app grants its own; `mash.access.sync_roles` keeps
the groups in step after every migrate)."""

from mash.access import Role, grant


def grant_permissions() -> None:
    grant(Role.ADMIN, [
        f"agencies.{verb}_{model}" for model in ("agency", "team", "user") for verb in ("view", "add", "change")
    ])
