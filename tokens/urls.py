from django.urls import path

from . import views

app_name = "tokens"
urlpatterns = [
    path("", views.token_list, name="list"),
    path("add/", views.token_add, name="add"),
    path("preview/", views.token_preview, name="preview"),
    path("checks/", views.token_check_all, name="check_all"),
    path("checks/<uuid:pk>/", views.token_batch, name="batch"),
    path("<uuid:pk>/", views.token_detail, name="detail"),
    path("<uuid:pk>/edit/", views.token_edit, name="edit"),
    path("<uuid:pk>/check/", views.token_check_view, name="check"),
    path("<uuid:pk>/delete/", views.token_delete_view, name="delete"),
]
