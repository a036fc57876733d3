"""Deploy checks of this project (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def smtp_uses_tls(app_configs=None, **kwargs):
    """Production e-mail goes over TLS: an SMTP mailer without STARTTLS or SSL is refused."""
    mailer = settings.MAILERS.get("default", {})
    if not mailer.get("BACKEND", "").endswith("smtp.EmailBackend"):
        return []
    options = mailer.get("OPTIONS", {})
    if options.get("use_tls") or options.get("use_ssl"):
        return []
    return [Error("E-mail is sent over SMTP without TLS", hint="Set EMAIL_URL to smtp+tls://... (STARTTLS, port 587) "
                  "or smtp+ssl://... (port 465)", id="mash.E001")]
