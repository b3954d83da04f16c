from django.urls import path

from commonweal.outcomes import views

ROOT = "systems/<slug:slug>/outcomes/"

urlpatterns = [
    path(ROOT, views.framework, name="outcomes"),
    path(ROOT + "import/", views.fingertips_import, name="outcomes-import"),
    path(ROOT + "indicators/<slug:code>/", views.indicator, name="outcomes-indicator"),
    path(ROOT + "profiles/<str:code>/", views.profile, name="outcomes-profile"),
    path(ROOT + "series/", views.series_list, name="outcomes-series-list"),
    path(ROOT + "series/<slug:code>/", views.series, name="outcomes-series"),
]
