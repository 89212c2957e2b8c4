from django.urls import path

from tidtam.workflow import views

app_name = "workflow"
urlpatterns = [
    path("workspace/", views.workspace, name="workspace"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/approve/", views.inbox_approve, name="bulk_approve"),
    path("review/", views.review, name="review"),
    path("workflow/<slug:kind>/<int:pk>/<slug:action>/", views.transition, name="transition"),
]
