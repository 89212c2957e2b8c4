from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "tidtam.reporting"
    label = "reporting"
