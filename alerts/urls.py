from django.urls import path

from . import views

app_name = "alerts"
urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("read-all/", views.notifications_read_all, name="read_all"),
    path("settings/", views.alert_settings, name="settings"),
    path("settings/secret/", views.webhook_secret_new, name="new_secret"),
]
