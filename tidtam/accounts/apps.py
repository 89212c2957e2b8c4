from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tidtam.accounts"
    label = "accounts"
