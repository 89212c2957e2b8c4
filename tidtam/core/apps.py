from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tidtam.core"
    label = "core"
    verbose_name = "tidtam core"
