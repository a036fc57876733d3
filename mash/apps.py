from django.apps import AppConfig


class MashConfig(AppConfig):
    name = "mash"
    verbose_name = "MASH kernel"
