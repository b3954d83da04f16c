from django.urls import path

from commonweal.finance import views

YEAR = "systems/<slug:slug>/finance/<int:start>/"

urlpatterns = [
    path("systems/<slug:slug>/finance/", views.finance, name="finance"),
    path(YEAR, views.year, name="finance-year"),
    path(YEAR + "position/", views.position, name="finance-position"),
    path(YEAR + "savings/", views.savings, name="finance-savings"),
    path(YEAR + "<str:kind>.<str:fmt>", views.export, name="finance-export"),
    path(YEAR + "returns/", views.returns_page, name="finance-returns"),
    path(YEAR + "returns/<int:pk>/", views.return_page, name="finance-return"),
    path(YEAR + "returns/<int:pk>/status", views.return_status, name="finance-return-status"),
    path(YEAR + "virements/new/", views.vire, name="finance-vire"),
]
