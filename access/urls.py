from django.urls import path

from . import views

app_name = "access"
urlpatterns = [
    path("", views.grant_list, name="list"),
    path("add/", views.grant_add, name="add"),
    path("<int:pk>/edit/", views.grant_edit, name="edit"),
    path("<int:pk>/delete/", views.grant_delete_view, name="delete"),
]
