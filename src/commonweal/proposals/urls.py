from django.urls import path

from . import views

ROOT = "systems/<slug:slug>/proposals/"

urlpatterns = [
    path(ROOT, views.board, name="proposals"),
    path(ROOT + "new/", views.new, name="proposal-new"),
    path(ROOT + "work-plan/", views.work_plan, name="proposals-work-plan"),
    path(ROOT + "programmes/<slug:code>/", views.programme, name="proposals-programme"),
    path(ROOT + "<int:number>/", views.proposal, name="proposal"),
    path(ROOT + "<int:number>/edit/", views.edit, name="proposal-edit"),
    path(ROOT + "<int:number>/advance/", views.advance, name="proposal-advance"),
    path(ROOT + "<int:number>/forward/", views.forward, name="proposal-forward"),
    path(ROOT + "<int:number>/approval/", views.approval, name="proposal-approval"),
    path(ROOT + "<int:number>/documents/", views.document, name="proposal-document"),
    path(
        ROOT + "<int:number>/documents/<int:pk>/",
        views.document_file,
        name="proposal-document-file",
    ),
]

urlpatterns += [
    path(ROOT + "<int:number>/level-and-scoring/", views.levels, name="proposal-levels"),
    path(ROOT + "<int:number>/triage/", views.triage, name="proposal-triage"),
    path(ROOT + "<int:number>/interest/", views.interest, name="proposal-interest"),
    path(ROOT + "<int:number>/scores/", views.scores, name="proposal-scores"),
    path(ROOT + "<int:number>/moderation/", views.moderation, name="proposal-moderation"),
    path(ROOT + "<int:number>/scores.csv", views.scores_csv, name="proposal-scores-csv"),
]
