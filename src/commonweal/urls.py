from django.urls import include, path

from commonweal.api import api
from commonweal.core import views as core_views
from commonweal.registry import views as registry_views

urlpatterns = [
    path("", registry_views.home, name="home"),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", core_views.logout_view, name="logout"),
    path("account/", core_views.account, name="account"),
    path("health", core_views.health, name="health"),
    path("api/", api.urls),
    path("public/", include("commonweal.public.urls")),
    path("", include("commonweal.registry.urls")),
    path("", include("commonweal.governance.urls")),
    path("", include("commonweal.meetings.urls")),
    path("", include("commonweal.decisions.urls")),
    path("", include("commonweal.packs.views")),
    path("", include("commonweal.finance.urls")),
    path("", include("commonweal.pools.urls")),
    path("", include("commonweal.allocations.urls")),
    path("", include("commonweal.outcomes.urls")),
    path("", include("commonweal.assurance.urls")),
    path("", include("commonweal.proposals.urls")),
    path("", include("commonweal.interests.urls")),
]
handler400 = "commonweal.core.views.bad_request"
handler403 = "commonweal.core.views.forbidden"
handler404 = "commonweal.core.views.not_found"
handler500 = "commonweal.core.views.server_error"
