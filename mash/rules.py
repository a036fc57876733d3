"""Rules for the inputs every service takes, written once: a form, the importer and the API all meet them
through the service that applies them.

A rule knows the input's name (`field`, as a form names it), its label and its messages. A service checks its
inputs with `rule.check(value, problems)`, which cleans the value, records any problem against the field,
and returns the cleaned value; the service then raises all the problems at once (`Problems.raise_if_any`).
Forms build their fields from the same rules (`rule.form_field()`), so a label is written in one place too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from .errors import Problems

# What is HTML in free text, refused though every page escapes it (so nobody pastes a script into a child's
# record, to be opened one day by something that does not escape). Only what is HTML: ordinary text with angle
# brackets passes, as pasted referrals have it (Jo Smith <j.smith@example.com>, <https://example.org/a?b=c>, "I <will>
# hurt her", <3, a<b). Refused: a tag of a real HTML element, opening (<b>, <br/>, <p class="x">) or closing (</b>);
# any tag with an attribute (<x onclick=...>, <img/src=...>); the elements that run something, however written
# (<script, <iframe src ...); comments, doctypes, CDATA and processing instructions (<!--, <!DOCTYPE, <?php).
_HTML_ELEMENT_NAMES = """
    a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound big blink blockquote body
    br button canvas caption center cite code col colgroup data datalist dd del details dfn dialog dir div dl dt em
    embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i
    iframe image img input ins isindex kbd keygen label legend li link listing main map mark marquee math menu menuitem
    meta meter nav nobr noembed noframes noscript object ol optgroup option output p param picture plaintext portal pre
    progress q rb rp rt rtc ruby s samp script search section select slot small source spacer span strike strong style
    sub summary sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul var video wbr xmp
"""
HTML_ELEMENTS = frozenset(_HTML_ELEMENT_NAMES.split())
# Elements that run or embed something: refused as soon as they open, however the tag goes on (<script src=//x, an
# unclosed <iframe). The rest (<img, <video, <form) only as a tag: "<video of the incident>" is text.
ACTIVE_ELEMENTS = ("script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "noscript",
                   "xmp", "plaintext")
_ELEMENT = "|".join(sorted(HTML_ELEMENTS, key=len, reverse=True))
MARKUP = re.compile(
    rf"<(?:{_ELEMENT})\s*/?>"  # a bare opening tag of an element: <b>, <br/>
    rf"|</(?:{_ELEMENT})\s*>"  # a closing tag: </b>
    r"|<[a-z][a-z0-9-]*[\s/][^<>=]{0,200}?[a-z-]\s*="  # a tag with an attribute: <p class=, <x onclick=
    rf"|<(?:{'|'.join(ACTIVE_ELEMENTS)})(?![a-z0-9-])"  # <script, <iframe src ..., <img/src
    r"|<!--|<!doctype|<!\[cdata\[|<\?[a-z]",  # comments, doctypes, CDATA, processing instructions
    re.IGNORECASE,
)
# NUL and the other control characters a person cannot type (tab, line feed and carriage return are fine).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MARKUP_MESSAGE = "Remove the HTML tags (text inside < and > brackets)"


def control_message(label: str) -> str:
    return f"{label} contains characters that cannot be typed (such as NUL): remove them"


def text_problem(value: str, label: str) -> str | None:
    """Why free text cannot be stored as it is, or None. Markup is refused even though pages escape it, so
    nobody pastes a script into a child's record."""
    if CONTROL.search(value):
        return control_message(label)
    if MARKUP.search(value):
        return MARKUP_MESSAGE
    return None


@dataclass(frozen=True)
class Text:
    """A free-text input: trimmed; required or not; at most `max_length` characters; no markup, no NUL."""

    field: str
    label: str
    max_length: int
    required: bool = True
    required_message: str = ""
    too_long_message: str = ""
    rows: int = 0  # a textarea of this many rows on a form; 0: a one-line input
    help_text: str = ""
    extra_widget_attrs: dict = field(default_factory=dict)

    @property
    def missing(self) -> str:
        return self.required_message or f"Enter {self.label[0].lower()}{self.label[1:]}"

    @property
    def too_long(self) -> str:
        return self.too_long_message or f"{self.label} must be {self.max_length:,} characters or fewer"

    def check(self, value, problems: Problems, *, field: str | None = None) -> str:
        name = field or self.field
        value = "" if value is None else str(value).strip()
        if not value:
            if self.required:
                problems.add(name, self.missing)
            return ""
        if len(value) > self.max_length:
            problems.add(name, self.too_long)
        problem = text_problem(value, self.label)
        if problem:
            problems.add(name, problem)
        return value

    def form_field(self, **overrides) -> forms.CharField:
        """The form's field for this input. It parses only: the service applies the rule."""
        attrs = dict(self.extra_widget_attrs)
        widget = forms.Textarea(attrs={"rows": self.rows, **attrs}) if self.rows else forms.TextInput(attrs=attrs)
        options = {"label": self.label, "required": False, "help_text": self.help_text, "widget": widget}
        options.update(overrides)
        field = forms.CharField(**options)
        # Django refuses NUL itself, with its own words: leave it to the rule, so every channel says the same.
        field.validators = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]
        return field


@dataclass(frozen=True)
class Choice:
    """One value from a fixed list of codes."""

    field: str
    label: str
    choices: tuple[tuple[str, str], ...]
    required_message: str
    invalid_message: str = ""
    required: bool = True

    def check(self, value, problems: Problems, *, field: str | None = None) -> str:
        name = field or self.field
        value = "" if value is None else str(value).strip()
        if not value:
            if self.required:
                problems.add(name, self.required_message)
            return ""
        if value not in {code for code, _ in self.choices}:
            problems.add(name, self.invalid)
        return value

    @property
    def invalid(self) -> str:
        return self.invalid_message or f"Select {self.label[0].lower()}{self.label[1:]} from the list"  # noqa: S608

    def form_field(self, *, widget=None, blank: str | None = None, **overrides) -> forms.ChoiceField:
        choices = list(self.choices) if blank is None else [("", blank), *self.choices]
        return forms.ChoiceField(label=self.label, choices=choices, required=False, widget=widget or forms.Select,
                                 error_messages={"invalid_choice": self.invalid}, **overrides)


def choices_check(values, allowed, problems: Problems, *, field: str, message: str) -> list[str]:
    """Many values from a list (e.g. presenting factors): each must be on it."""
    values = [str(v) for v in (values or [])]
    if any(v not in allowed for v in values):
        problems.add(field, message)
    return list(dict.fromkeys(values))
