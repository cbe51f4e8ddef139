from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import set_language

from access import views as access_views
from api.main import api

from . import health, views

admin.site.site_header = _("wberp administration")
admin.site.site_title = "wberp"
admin.site.index_title = _("Administration")
admin.site.site_url = "/"
# The sidebar repeats the one app and would leave the changelist too little of a laptop's width.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", views.home, name="home"),
    path("whoami", views.whoami, name="whoami"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/api-tokens/", include("api.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # A cabinet's data, under its page.
    path("sellers/<str:sid>/", include("sales.urls")),
    path("sellers/<str:sid>/finance/", include("finance.urls")),
    path("sellers/", include("sellers.urls")),
    # A cabinet's data and its sync, under the cabinet's own address.
    path("sellers/<str:sid>/", include("catalog.urls")),
    path("sellers/<str:sid>/sync/", include("sync.urls")),
    path("sellers/<str:sid>/", include("costs.urls")),
    path("tokens/", include("tokens.urls")),
    path("notifications/", include("alerts.urls")),
    path("exports/", include("exports.urls")),
    path("api/v1/", api.urls),
    path("access/", include("access.urls")),
    # The admin's own page would check the old password without the lockout: one door only.
    path(
        "admin/password_change/",
        RedirectView.as_view(pattern_name="password_change"),
        name="admin_password_change",
    ),
    # Before the admin's own, which would find an object of any cabinet.
    path(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        access_views.admin_view_on_site,
        name="admin_view_on_site",
    ),
    path("admin/", admin.site.urls),
]
