from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "tidtam.dashboards"
    verbose_name = "แดชบอร์ด / Dashboards"
