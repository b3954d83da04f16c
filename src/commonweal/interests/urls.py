from django.urls import path

from commonweal.interests import views

urlpatterns = [
    path("interests/", views.mine, name="my-interests"),
    path("interests/<int:pk>/", views.change, name="interest"),
    path("organisations/<str:code>/interests/", views.register, name="register"),
    path("organisations/<str:code>/interests/due/", views.overdue, name="returns-due"),
    path("organisations/<str:code>/gifts/", views.gifts, name="gifts"),
    path("organisations/<str:code>/dispensations/", views.dispensations, name="dispensations"),
]
