"""What each app adds to the site around its pages: entries in the main navigation and each role's home page.

The kernel names no app: apps register here from their AppConfig.ready, and the header and the home page
read what they registered.
"""

from __future__ import annotations

from dataclasses import dataclass

from .access import Role


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    roles: frozenset[Role]
    order: int


_NAVIGATION: list[NavItem] = []
_HOMES: dict[Role, str] = {}


def add_navigation(url_name: str, label: str, *, roles, order: int) -> None:
    """An entry in the main navigation for people holding one of `roles`, placed by `order` (low first)."""
    _NAVIGATION[:] = [item for item in _NAVIGATION if item.url_name != url_name]
    _NAVIGATION.append(NavItem(url_name, label, frozenset(roles), order))
    _NAVIGATION.sort(key=lambda item: (item.order, item.label))


def navigation_for(role: Role | None) -> list[NavItem]:
    """The entries for a person whose main role is `role`."""
    if role is None:
        return []
    return [item for item in _NAVIGATION if role in item.roles]


def set_home(role: Role, url_name: str) -> None:
    """The page a person whose main role is `role` starts their day on."""
    _HOMES[role] = url_name


def home_for(role: Role | None) -> str | None:
    return _HOMES.get(role) if role is not None else None
