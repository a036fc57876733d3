from django.apps import AppConfig


class EnquiriesConfig(AppConfig):
    name = "enquiries"
    verbose_name = "MASH enquiries"

    def ready(self):
        from mash import site
        from mash.access import Role

        site.add_navigation("enquiries:inbox", "Information requests", roles={Role.PARTNER}, order=10)
        site.set_home(Role.PARTNER, "enquiries:inbox")
