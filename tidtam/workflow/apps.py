from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "tidtam.workflow"
    label = "workflow"
