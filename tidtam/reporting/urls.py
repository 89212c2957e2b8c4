from django.urls import path

from tidtam.reporting import views

app_name = "reporting"
urlpatterns = [
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/new/", views.round_open, name="round_open"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", views.round_update, name="round_update"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("rounds/<int:pk>/reopen/", views.round_reopen, name="round_reopen"),
    path("rounds/<int:pk>/remind/", views.round_remind, name="round_remind"),
    path("projects/<int:pk>/reports/new/", views.report_create, name="report_create"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("reports/<int:pk>/evidence/", views.report_evidence_add, name="report_evidence_add"),
    path(
        "reports/<int:pk>/evidence/<int:attachment_pk>/remove/",
        views.report_evidence_remove,
        name="report_evidence_remove",
    ),
]
