from django.urls import path

from tidtam.plans import views

app_name = "plans"
urlpatterns = [
    path("frameworks/", views.framework_list, name="framework_list"),
    path("frameworks/<slug:code>/", views.framework_detail, name="framework"),
    path("frameworks/<slug:code>/nodes/<int:pk>/children/", views.node_children, name="node_children"),
    path("nodes/<int:pk>/", views.node_detail, name="node"),
]
