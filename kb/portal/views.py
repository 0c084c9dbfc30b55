"""The portal's knowledge base: browse and search articles, read one, say whether it helped.

Anyone may read published public articles, signed in or not. A page view counts once per
browser session; an article opened from the new-ticket form's suggestions (``?from=suggest``)
also counts once as a suggested open, the deflection figure of the report.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpdesk.errors import HelpdeskError
from kb import services
from kb.markdown import plain_text
from kb.models import Article
from kb.portal.forms import FeedbackForm, SearchForm
from kb.selectors import articles_visible_to, categories_in_order, published_for_customers, search_ranked

PAGE_SIZE = 20
SUGGESTIONS = 5
SUGGEST_MIN_CHARS = 3
# Session lists of the articles already counted; capped so a session cannot grow without bound.
SEEN_LIMIT = 300
SUGGESTED = "suggest"


def _portal_articles(request: HttpRequest):
    """Staff preview drafts here too; everyone else sees published public articles."""
    return articles_visible_to(request.user)


@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    articles = _portal_articles(request).filter(status=Article.Status.PUBLISHED)
    term, category = "", None
    if form.is_valid():
        term = form.cleaned_data["q"].strip()
        category = form.cleaned_data["category"]
    if category is not None:
        articles = articles.filter(category=category)
    articles = search_ranked(articles, term) if term else articles.order_by("-updated_at", "-id")
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "term": term,
        "category": category,
        "categories": categories_in_order(),
    }
    return render(request, "kb/portal/article_list.html", context, status=400 if form.errors else 200)


def _first_time(request: HttpRequest, key: str, article_id: int) -> bool:
    """True once per session for (key, article): the next call in the same session answers False."""
    seen = request.session.get(key, [])
    if article_id in seen:
        return False
    request.session[key] = [*seen, article_id][-SEEN_LIMIT:]
    return True


@require_GET
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(_portal_articles(request), slug=slug)
    if article.is_published:
        suggested = request.GET.get("from") == SUGGESTED and _first_time(request, "kb_suggested", article.pk)
        if _first_time(request, "kb_viewed", article.pk) or suggested:
            services.article_record_view(article_id=article.pk, from_suggestion=suggested)
    context = {"article": article, "voted": request.session.get("kb_voted", {}).get(str(article.pk))}
    return render(request, "kb/portal/article.html", context)


@require_POST
def article_feedback(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(_portal_articles(request), slug=slug)
    form = FeedbackForm(request.POST)
    target = reverse("kb:article", args=[article.slug])
    if not form.is_valid():
        messages.error(request, _("Choose yes or no."))
        return HttpResponseRedirect(target)
    if not request.session.session_key:
        request.session.save()
    helpful = form.cleaned_data["helpful"]
    try:
        services.article_feedback(
            article=article, user=request.user, session_key=request.session.session_key or "", helpful=helpful
        )
    except HelpdeskError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(target)
    request.session["kb_voted"] = {**request.session.get("kb_voted", {}), str(article.pk): "yes" if helpful else "no"}
    messages.success(request, _("Thank you for your feedback."))
    return HttpResponseRedirect(target)


@require_GET
def suggest(request: HttpRequest) -> JsonResponse:
    """Published public articles matching what a customer types as a ticket subject (JSON)."""
    term = " ".join(str(request.GET.get("q", ""))[:200].replace("\x00", " ").split())
    if len(term) < SUGGEST_MIN_CHARS:
        return JsonResponse({"results": []})
    # Short words ("my", "is") match too much: only words of three letters or more are looked up.
    words = " ".join([word for word in term.split() if len(word) >= SUGGEST_MIN_CHARS][:10])
    rows = search_ranked(published_for_customers(), words or term, any_word=True)[:SUGGESTIONS]
    results = [
        {
            "title": article.title,
            "excerpt": plain_text(article.body_html, 140),
            "url": f"{reverse('kb:article', args=[article.slug])}?from={SUGGESTED}",
        }
        for article in rows
    ]
    return JsonResponse({"results": results})
