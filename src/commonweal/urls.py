from django.urls import include, path

from commonweal.api import api
from commonweal.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", core_views.logout_view, name="logout"),
    path("api/", api.urls),
    path("public/", include("commonweal.registry.public_urls")),
    path("", include("commonweal.registry.urls")),
    path("", include("commonweal.governance.urls")),
]
handler404 = "commonweal.core.views.not_found"
handler500 = "commonweal.core.views.server_error"
