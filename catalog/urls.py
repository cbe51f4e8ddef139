from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("products/", views.product_list, name="products"),
    path("products/<int:nm_id>/", views.product_detail, name="product"),
    path("stocks/", views.stock_list, name="stocks"),
]
