class DomainError(Exception):
    """A rule of the service was broken. Services raise it; views turn it into a message."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
