from django.urls import path

from tidtam.organisations import views

app_name = "organisations"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("<slug:code>/", views.organisation_detail, name="detail"),
]
