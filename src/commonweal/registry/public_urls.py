from django.urls import path

from commonweal.registry import views

urlpatterns = [
    path("", views.public_home, name="public-home"),
    path("systems/<slug:slug>/", views.public_system, name="public-system"),
    path("systems/<slug:slug>/tree/", views.public_tree, name="public-tree"),
    path("systems/<slug:slug>/areas/<str:code>/", views.public_area, name="public-area"),
]
