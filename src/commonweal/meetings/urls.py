from django.urls import path

from commonweal.meetings import views

urlpatterns = [
    path("organisations/<str:code>/forward-plan/", views.forward_plan, name="forward-plan"),
    path("organisations/<str:code>/forward-plan/new/", views.plan_new, name="plan-new"),
    path(
        "organisations/<str:code>/forward-plan/<str:reference>/",
        views.plan_item,
        name="plan-item",
    ),
    path("systems/<slug:slug>/bodies/<slug:code>/meetings/", views.meetings, name="meetings"),
    path("meetings/", views.overview, name="meetings-overview"),
    path("meetings/<int:pk>/", views.meeting, name="meeting"),
    path("meetings/<int:pk>/agenda/", views.agenda, name="agenda"),
    path("meetings/<int:pk>/items/<int:number>/", views.item, name="agenda-item"),
    path("meetings/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("meetings/<int:pk>/declarations/", views.declarations, name="declarations"),
    path("papers/<int:version>/", views.paper, name="paper"),
]
