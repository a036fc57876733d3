"""What each app adds to the site around its pages: entries in the main navigation and each role's home page.

The kernel names no app: apps register here from their AppConfig.ready, and the header and the home page
read what they registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


# --- the search box in the header ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchBox:
    url_name: str
    label: str
    hint: str
    roles: frozenset[Role]


_SEARCH: list[SearchBox] = []


def set_search(url_name: str, label: str, *, roles, hint: str = "") -> None:
    """The search box in the header, for people holding one of `roles`: a GET form sending `q` to `url_name`
    (e.g. contacts' "Find a child")."""
    _SEARCH[:] = [box for box in _SEARCH if box.url_name != url_name]
    _SEARCH.append(SearchBox(url_name, label, hint, frozenset(roles)))


def search_for(role: Role | None) -> SearchBox | None:
    return next((box for box in _SEARCH if role in box.roles), None) if role is not None else None


# --- panels: what other apps show on an app's page -----------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    page: str  # "contact": the contact page; "outcome": the outcome decision page
    template: str
    context: Callable[..., dict | None]
    order: int
    # The versions (mash.polling scopes) the panel is drawn from, given the page's key (a contact's reference): read
    # with the user at the start of the request, so a panel kept drawn under them costs no query to check.
    scopes: Callable[[str], Iterable[str]] | None = None


_PANELS: list[Panel] = []


def add_panel(page: str, template: str, *, context: Callable[..., dict | None], order: int,
              scopes: Callable[[str], Iterable[str]] | None = None) -> None:
    """Show `template` on `page` (e.g. "contact": the contact page) for whoever `context(request, obj)` returns a
    dict for (None: not shown to this person). An app adds its part of another app's page this way, so the page's
    app imports nothing of it (e.g. consent's panel on the contact page)."""
    _PANELS[:] = [p for p in _PANELS if (p.page, p.template) != (page, template)]
    _PANELS.append(Panel(page, template, context, order, scopes))
    _PANELS.sort(key=lambda p: (p.page, p.order, p.template))


def page_scopes(page: str, key: str) -> list[str] | None:
    """The scopes the panels on `page` about the object `key` names are drawn from (`add_panel(scopes=...)`); None
    when a panel there did not say (the page cannot then be kept drawn as a whole)."""
    panels = [panel for panel in _PANELS if panel.page == page]
    if any(panel.scopes is None for panel in panels):
        return None
    return [scope for panel in panels for scope in panel.scopes(key)]


def panels(page: str, request, obj) -> list[dict]:
    """The panels to draw on `page` about `obj` for this request: [{"template": ..., "panel": context}]."""
    shown = []
    for panel in _PANELS:
        if panel.page != page:
            continue
        context = panel.context(request, obj)
        if context is not None:
            shown.append({"template": panel.template, "panel": context})
    return shown


# --- previews: what other apps will send when a page's action is confirmed -----------------------------------


@dataclass(frozen=True)
class Preview:
    page: str  # "outcome": the outcome's "check what will be sent" page
    template: str
    compose: Callable[..., dict | None]
    order: int


_PREVIEWS: list[Preview] = []


def add_preview(page: str, template: str, *, compose: Callable[..., dict | None], order: int) -> None:
    """Show `template` on `page`'s preview of what confirming it sends: `compose(obj, **answers)` returns the context
    (None: this app sends nothing). An app whose receivers send something when another app's action happens (e.g.
    enquiries telling the contributing agencies the outcome) previews it here, composed by the same code that sends
    it, so the page's app imports nothing of it."""
    _PREVIEWS[:] = [p for p in _PREVIEWS if (p.page, p.template) != (page, template)]
    _PREVIEWS.append(Preview(page, template, compose, order))
    _PREVIEWS.sort(key=lambda p: (p.page, p.order, p.template))


def previews(page: str, obj, **answers) -> list[dict]:
    """The previews to draw on `page` for `obj` and the answers given: [{"template": ..., "preview": context}]."""
    shown = []
    for preview in _PREVIEWS:
        if preview.page != page:
            continue
        context = preview.compose(obj, **answers)
        if context is not None:
            shown.append({"template": preview.template, "preview": context})
    return shown
