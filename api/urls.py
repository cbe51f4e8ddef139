from django.urls import path

from . import views

app_name = "api_tokens"
urlpatterns = [
    path("", views.api_token_list, name="list"),
    path("<int:pk>/revoke/", views.api_token_revoke_view, name="revoke"),
]
