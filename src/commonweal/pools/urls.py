from django.urls import path

from commonweal.pools import views

POOL = "systems/<slug:slug>/pools/<slug:ref>/"
YEAR = POOL + "<int:start>/"

urlpatterns = [
    path("systems/<slug:slug>/pools/", views.pools, name="pools"),
    path(POOL, views.pool, name="pool"),
    path(YEAR, views.pool_year, name="pool-year"),
    path(YEAR + "plan/", views.plan, name="pool-plan"),
    path(YEAR + "action-plan/", views.action_plan, name="pool-action-plan"),
    path(YEAR + "underspend/", views.underspend, name="pool-underspend"),
    path(YEAR + "q<int:quarter>/", views.quarterly_return, name="pool-return"),
    path(YEAR + "q<int:quarter>/sign-off/", views.sign_off, name="pool-sign-off"),
    path(YEAR + "q<int:quarter>.xlsx", views.return_xlsx, name="pool-return-xlsx"),
]
