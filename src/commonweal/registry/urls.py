from django.urls import path

from commonweal.registry import views

urlpatterns = [
    path("systems/<slug:slug>/", views.system, name="system"),
    path("systems/<slug:slug>/tree/", views.tree, name="tree"),
    path("systems/<slug:slug>/findings.json", views.findings_json, name="system-findings-json"),
    path("systems/<slug:slug>/areas/<str:code>/", views.area, name="area"),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/<str:code>/", views.organisation, name="organisation"),
]
