from django.contrib import admin
from django.urls import include, path

from tidtam.api.urls import api
from tidtam.plans import views as plans_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("accounts/", include("tidtam.accounts.urls")),
    path("organisations/", include("tidtam.organisations.urls")),
    path("dashboard/", include("tidtam.dashboards.urls")),
    path("", plans_views.home, name="home"),
    path("", include("tidtam.workflow.urls")),
    path("", include("tidtam.reporting.urls")),
    path("", include("tidtam.projects.urls")),
    path("", include("tidtam.plans.urls")),
    path("", include("tidtam.opendata.urls")),
    path("", include("tidtam.evaluation.urls")),
    path("", include("tidtam.search.urls")),
    path("documents/", include("tidtam.documents.urls")),
]
