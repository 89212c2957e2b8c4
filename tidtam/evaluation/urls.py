from django.urls import path

from tidtam.evaluation import duplicate_views, views

app_name = "evaluation"
urlpatterns = [
    path("review/duplicates/", duplicate_views.duplicate_queue_page, name="duplicate_queue"),
    path("review/duplicates/mark/", duplicate_views.duplicate_mark_view, name="duplicate_mark"),
    path("rules/", views.rules, name="rules"),
    path("review/alignment/", views.alignment_queue, name="alignment_queue"),
]
