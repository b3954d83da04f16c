from django.urls import path

from commonweal.assurance import views

ROOT = "systems/<slug:slug>/assurance/"
PERIOD = ROOT + "<str:period>/"

urlpatterns = [
    path(ROOT, views.index, name="assurance"),
    path(ROOT + "concerns/", views.concerns, name="assurance-concerns"),
    path(ROOT + "concerns/<str:ref>/close/", views.close_concern, name="assurance-concern-close"),
    path(ROOT + "exceptions/<int:pk>/respond/", views.respond, name="assurance-respond"),
    path(PERIOD, views.report, name="assurance-report"),
    path(PERIOD + "report.pdf", views.report_pdf, name="assurance-report-pdf"),
    path(PERIOD + "plan/", views.plan, name="assurance-plan"),
    path(PERIOD + "places/<slug:place>/", views.report, name="assurance-place-report"),
    path(
        PERIOD + "places/<slug:place>/report.pdf",
        views.report_pdf,
        name="assurance-place-report-pdf",
    ),
]
