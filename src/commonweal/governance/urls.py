from django.urls import path

from commonweal.governance import views

urlpatterns = [
    path("systems/<slug:slug>/bodies/", views.bodies, name="bodies"),
    path("systems/<slug:slug>/bodies/<slug:code>/", views.body, name="body"),
    path("systems/<slug:slug>/schemes/", views.schemes, name="schemes"),
    path(
        "systems/<slug:slug>/schemes/<str:organisation>/<str:version>/", views.scheme, name="scheme"
    ),
    path("systems/<slug:slug>/who-decides/", views.who_decides, name="who-decides"),
]
