from django.urls import path

from tidtam.opendata import views

app_name = "opendata"
urlpatterns = [
    path("downloads/", views.downloads, name="downloads"),
]
