from django.urls import path

from . import views

app_name = "sales"
urlpatterns = [
    path("orders/", views.order_list, name="orders"),
    path("sales/", views.sale_list, name="sales"),
]
