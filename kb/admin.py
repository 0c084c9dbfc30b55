"""The console's knowledge base: categories, articles (with a preview), publish actions, and the reply-box link picker.

Every write goes through kb/services.py; who may do what is kb/access.py's answer.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.admin_access import is_admin, is_staff
from accounts.models import User
from helpdesk.errors import HelpdeskError
from kb import access, services
from kb.models import Article, Category
from kb.selectors import published_for_customers, search_ranked, with_feedback_counts
from tickets.admin.console import TICKET_PAGE_PANELS
from tickets.models import Ticket


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Staff read the categories; managers and admins arrange them."""

    list_display = ["name", "slug", "team", "position"]
    list_select_related = ["team"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description", "team", "position"]

    def _may_write(self, request) -> bool:
        return is_admin(request) or (is_staff(request) and request.user.role in access.EVERY_CATEGORY_ROLES)

    def has_module_permission(self, request) -> bool:
        return is_staff(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_staff(request)

    def has_add_permission(self, request) -> bool:
        return self._may_write(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._may_write(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._may_write(request)


class ArticleForm(forms.ModelForm):
    tag_names = forms.CharField(label=gettext_lazy("Tags"), required=False, help_text=gettext_lazy("Comma-separated."))

    class Meta:
        model = Article
        fields = ["title", "category", "visibility", "tag_names", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 20, "class": "vLargeTextField"})}
        help_texts = {
            "body": gettext_lazy("Markdown: # headings, **bold**, [links](https://…), lists, tables, `code`.")
        }

    user: User

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tag_names"].initial = ", ".join(tag.name for tag in self.instance.tags.all())

    def clean(self):
        cleaned = super().clean()
        if not access.can_write_in(self.user, cleaned.get("category")):
            self.add_error("category", _("You cannot write articles in this category (it belongs to another team)."))
        return cleaned

    def tags(self) -> list[str]:
        return [name for name in self.cleaned_data.get("tag_names", "").split(",") if name.strip()]


def _set_status(modeladmin, request, queryset: QuerySet[Article], change, done: str) -> None:
    count = 0
    for article in queryset.order_by("pk")[:500]:
        try:
            change(actor=request.user, article=article)
            count += 1
        except HelpdeskError as exc:
            modeladmin.message_user(request, f"{article.title}: {exc.message}", messages.WARNING)
    if count:
        modeladmin.message_user(request, done % {"count": count}, messages.SUCCESS)


@admin.action(description=gettext_lazy("Publish selected articles"), permissions=["publish"])
def publish(modeladmin, request, queryset):
    _set_status(modeladmin, request, queryset, services.article_publish, _("%(count)d article(s) published."))


@admin.action(description=gettext_lazy("Unpublish selected articles (back to draft)"), permissions=["publish"])
def unpublish(modeladmin, request, queryset):
    _set_status(modeladmin, request, queryset, services.article_unpublish, _("%(count)d article(s) back to draft."))


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    list_display = [
        "title",
        "category",
        "status",
        "visibility",
        "author",
        "updated_at",
        "view_count",
        "helpful_yes",
        "helpful_no",
        "suggested_open_count",
    ]
    list_filter = ["status", "visibility", "category"]
    list_select_related = ["category", "author"]
    search_fields = ["title", "body"]
    readonly_fields = ["status", "author", "updated_by", "updated_at", "published_at", "view_count", "preview"]
    actions = [publish, unpublish]

    def get_fields(self, request, obj=None):
        fields = ["title", "category", "visibility", "tag_names", "body"]
        return fields if obj is None else [*fields, "preview", "status", "published_at", "author", "updated_by"]

    def get_queryset(self, request):
        return with_feedback_counts(super().get_queryset(request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        return form

    def get_actions(self, request):
        found = super().get_actions(request)
        found.pop("delete_selected", None)  # deleting goes one by one, through the service
        return found

    def view_on_site(self, obj: Article) -> str:
        return reverse("kb:article", args=[obj.slug])

    @admin.display(description=gettext_lazy("Helpful"), ordering="helpful_yes")
    def helpful_yes(self, obj: Article) -> int:
        return obj.helpful_yes

    @admin.display(description=gettext_lazy("Not helpful"), ordering="helpful_no")
    def helpful_no(self, obj: Article) -> int:
        return obj.helpful_no

    @admin.display(description=gettext_lazy("Preview"))
    def preview(self, obj: Article) -> str:
        # body_html is sanitized by nh3 on every write (kb/markdown.py).
        return format_html('<div class="kb-preview">{}</div>', mark_safe(obj.body_html))  # noqa: S308

    # -- who may do what (kb/access.py)

    def has_module_permission(self, request) -> bool:
        return is_staff(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_staff(request)

    def has_add_permission(self, request) -> bool:
        return is_staff(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_staff(request) and (obj is None or access.can_edit_article(request.user, obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is None:
            return is_staff(request) and request.user.role in access.PUBLISHER_ROLES
        return access.can_publish_article(request.user, obj)

    def has_publish_permission(self, request) -> bool:
        return is_staff(request) and request.user.role in access.PUBLISHER_ROLES

    # -- writes through the services

    def save_model(self, request, obj: Article, form: ArticleForm, change: bool) -> None:
        data = form.cleaned_data
        fields = {"title": data["title"], "body": data["body"], "visibility": data["visibility"], "tags": form.tags()}
        if change:
            current = Article.objects.get(pk=obj.pk)
            saved = services.article_update(
                actor=request.user,
                article=current,
                category=data["category"],
                clear_category=data["category"] is None,
                **fields,
            )
        else:
            saved = services.article_create(actor=request.user, category=data["category"], **fields)
        obj.__dict__.update({key: value for key, value in saved.__dict__.items() if not key.startswith("_")})

    def save_related(self, request, form, formsets, change) -> None:
        pass  # tags were set by the service

    def delete_model(self, request, obj: Article) -> None:
        services.article_delete(actor=request.user, article=obj)


def article_link_panel(ticket: Ticket, user: User) -> tuple[str, dict] | None:
    """The ticket page's "Help articles" panel: articles matching the subject, and a search, to link in a reply.

    Only published public articles are offered: the customer must be able to open the link.
    Registered in ``tickets.admin.console.TICKET_PAGE_PANELS``.
    """
    offered = published_for_customers().select_related(None).prefetch_related(None).only("title", "slug")
    matches = search_ranked(offered, ticket.subject, any_word=True)[:5]
    rows = [{"title": article.title, "path": reverse("kb:article", args=[article.slug])} for article in matches]
    return "admin/kb/article_link_panel.html", {"suggestions": rows, "search_url": reverse("api:kb-article-list")}


TICKET_PAGE_PANELS.append(article_link_panel)
