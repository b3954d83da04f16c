from django.urls import include, path

from commonweal.public import views

urlpatterns = [
    path("", views.home, name="public-home"),
    path("systems/<slug:slug>/", views.system, name="public-system"),
    path("systems/<slug:slug>/tree/", views.tree, name="public-tree"),
    path("systems/<slug:slug>/areas/<str:code>/", views.area, name="public-area"),
    path("", include("commonweal.public.views_decisions")),
    path("", include("commonweal.public.views_meetings")),
    path("", include("commonweal.public.views_registers")),
    path("", include("commonweal.public.views_finance")),
    path("", include("commonweal.public.views_outcomes")),
    path("", include("commonweal.public.views_proposals")),
]
