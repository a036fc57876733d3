"""A mail backend standing in for an SMTP server that fails: the only mock in the delivery tests."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class FlakySMTPBackend(EmailBackend):
    """Fails the next `failures` sends like a dropped SMTP connection, then delivers to mail.outbox."""

    failures = 0
    attempts = 0

    def send_messages(self, messages):
        type(self).attempts += 1
        if type(self).failures > 0:
            type(self).failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
