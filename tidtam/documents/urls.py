from django.urls import path

from tidtam.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.document_list_page, name="list"),
    path("upload/", views.document_upload, name="upload"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/file/", views.document_download, name="download"),
    path("<int:pk>/confirm/", views.document_confirm_view, name="confirm"),
    path("links/<int:pk>/<str:decision>/", views.link_decide, name="link_decide"),
]
