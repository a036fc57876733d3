"""The one exception a service raises when a rule is broken."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the service was broken. Nothing was written.

    `field` names the input the message is about (None: the whole request). A field inside a repeated group
    is named as Django names a formset's field, `<group>-<index>-<field>` (e.g. `children-0-date_of_birth`),
    so a form shows it beside the right input and the importer can say which row it came from.

    A service that checks many inputs at once raises one DomainError carrying all of them (`errors`), so a
    person sees every problem in one go; `message` and `field` are then the first.
    """

    def __init__(self, message: str = "", *, field: str | None = None,
                 errors: list[tuple[str | None, str]] | None = None):
        errors = list(errors or [])
        if message:
            errors.insert(0, (field, message))
        if not errors:
            raise ValueError("a DomainError needs a message")
        self.errors: list[tuple[str | None, str]] = errors
        self.field, self.message = errors[0]
        super().__init__(self.message)

    def messages_for(self, field: str | None) -> list[str]:
        return [message for name, message in self.errors if name == field]


class Problems:
    """Collects rule breaks, then raises them together: `problems.add(field, message)`, `problems.raise_if_any()`."""

    def __init__(self):
        self.errors: list[tuple[str | None, str]] = []

    def add(self, field: str | None, message: str) -> None:
        self.errors.append((field, message))

    def extend(self, errors) -> None:
        self.errors.extend(errors)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise DomainError(errors=self.errors)
