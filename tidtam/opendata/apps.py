from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "tidtam.opendata"
    verbose_name = "ข้อมูลเปิด / Open data"
