from django.urls import re_path

from helpdesk.api.routers import OptionalSlashRouter
from kb.api.views import ArticleViewSet, CategoryViewSet, StatsView

router = OptionalSlashRouter()
router.register("kb/articles", ArticleViewSet, basename="kb-article")
router.register("kb/categories", CategoryViewSet, basename="kb-category")

urlpatterns = [
    re_path(r"^kb/stats/?$", StatsView.as_view(), name="kb-stats"),
    *router.urls,
]
