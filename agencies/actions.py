from django.db import models

from mash.audit import register_actions


class UserAction(models.TextChoices):
    CREATED = "user.created", "User created"
    ROLES_CHANGED = "user.roles_changed", "User's roles changed"
    DEACTIVATED = "user.deactivated", "User deactivated"
    ACTIVATED = "user.activated", "User reactivated"
    PASSWORD_RESET = "user.password_reset", "User's password reset by an administrator"


register_actions(UserAction)
