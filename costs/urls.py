from django.urls import path

from . import views

app_name = "costs"
urlpatterns = [
    path("costs/", views.cost_list, name="list"),
    path("costs/add/", views.cost_add, name="add"),
    path("costs/<int:pk>/", views.cost_edit, name="edit"),
    path("costs/<int:pk>/delete/", views.cost_delete, name="delete"),
    path("costs/upload/", views.upload, name="upload"),
    path("costs/upload/<uuid:upload_id>/", views.upload_preview, name="preview"),
    path("economics/", views.economics, name="economics"),
    path("economics/tax/", views.tax_settings, name="tax"),
]
