from django.urls import path

from tidtam.evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("rules/", views.rules, name="rules"),
]
