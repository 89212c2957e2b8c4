from django.urls import path

from tidtam.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.national, name="national"),
    path("nodes/<int:pk>/", views.node, name="node"),
    path("organisations/<slug:code>/", views.organisation, name="organisation"),
    path("rounds/<int:pk>/", views.round_dashboard, name="round"),
    path("gaps/", views.gaps, name="gaps"),
    path("spend/", views.spend, name="spend"),
]
