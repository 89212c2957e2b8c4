from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "tidtam.organisations"
    label = "organisations"
