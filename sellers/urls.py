from django.urls import path

from . import views

app_name = "sellers"
urlpatterns = [
    path("", views.seller_list, name="list"),
    # WB's seller ids are UUIDs; any short plain id is accepted, as the model is.
    path("<str:sid>/", views.seller_detail, name="detail"),
]
