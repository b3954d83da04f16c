from django.urls import path

from commonweal.allocations import views

urlpatterns = [
    path("systems/<slug:slug>/allocations/", views.allocations, name="allocations"),
    path("systems/<slug:slug>/allocations/<int:pk>/", views.allocation, name="allocation"),
    path(
        "systems/<slug:slug>/allocations/<int:pk>/allocation.xlsx",
        views.export,
        name="allocation-export",
    ),
]
