from django.urls import path

from kb.portal import views

app_name = "kb"

urlpatterns = [
    path("", views.article_list, name="articles"),
    path("suggest.json", views.suggest, name="suggest"),
    path("<slug:slug>/", views.article_detail, name="article"),
    path("<slug:slug>/feedback/", views.article_feedback, name="feedback"),
]
