from django.urls import path

from . import views

app_name = "finance"
urlpatterns = [
    path("", views.report_list, name="reports"),
    path("<int:report_id>/", views.report_detail, name="report"),
]
