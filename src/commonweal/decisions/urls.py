from django.urls import path

from commonweal.decisions import views

urlpatterns = [
    path("decisions/", views.register, name="decisions"),
    path("decisions/<int:pk>/", views.decision, name="decision"),
    path("systems/<slug:slug>/officer-decisions/new/", views.officer, name="officer-decision"),
    path("systems/<slug:slug>/revalidation/", views.revalidation, name="revalidation"),
    path("meetings/<int:pk>/record/", views.meeting_record, name="meeting-record"),
    path("meetings/<int:pk>/items/<int:number>/decide/", views.record, name="record-decision"),
    path("meetings/<int:pk>/items/<int:number>/urgent/", views.urgent, name="urgent-action"),
    path("minutes/<int:pk>/", views.minutes, name="minutes"),
]
