"""Feed pages: list, create, edit, delete, "Test", and the tag search a release form uses."""

from __future__ import annotations

import re

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from deployer.core.http import HtmxHttpRequest
from deployer.core.query import query_text
from deployer.feeds.forms import FeedForm
from deployer.feeds.models import Feed
from deployer.feeds.registries import FeedError, check_feed, list_tags

TAG_SEARCH_LIMIT = 50
LIST_ID = re.compile(r"^[A-Za-z][\w-]{0,63}$")


def list_feeds(request: HtmxHttpRequest) -> HttpResponse:
    feeds = Feed.objects.select_related("account")
    return render(request, "feeds/list.html", {"feeds": feeds})


def _form_page(request: HtmxHttpRequest, form: FeedForm, title: str) -> HttpResponse:
    return render(request, "feeds/form.html", {"form": form, "title": title, "feed": form.instance})


def create_feed(request: HtmxHttpRequest) -> HttpResponse:
    form = FeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        feed = form.save()
        messages.success(request, f"Feed {feed.name} created.")
        return redirect("feeds:list-feeds")
    return _form_page(request, form, "New feed")


def edit_feed(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    feed = get_object_or_404(Feed, slug=slug)
    form = FeedForm(request.POST or None, instance=feed)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Feed {feed.name} saved.")
        return redirect("feeds:list-feeds")
    return _form_page(request, form, f"Feed {feed.name}")


def delete_feed(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    feed = get_object_or_404(Feed, slug=slug)
    if feed.kind == Feed.Kind.DOCKER_HUB:
        messages.error(request, "Docker Hub is built in and cannot be deleted.")
        return redirect("feeds:list-feeds")
    if request.method == "POST":
        feed.delete()
        messages.success(request, f"Feed {feed.name} deleted.")
        return redirect("feeds:list-feeds")
    return render(request, "feeds/confirm_delete.html", {"feed": feed})


@require_POST
def test_feed(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    feed = get_object_or_404(Feed.objects.select_related("account"), slug=slug)
    result = check_feed(feed)
    if request.htmx:
        return render(request, "feeds/list.html#test-result", {"feed": feed, "result": result})
    (messages.success if result.ok else messages.error)(request, f"{feed.name}: {result.message}")
    return redirect("feeds:list-feeds")


@require_GET
def search_tags(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Tags of `image` containing `q`, newest first: <option>s for a datalist, or JSON."""
    feed = get_object_or_404(Feed.objects.select_related("account"), slug=slug)
    image = query_text(request, "image").strip()
    query = query_text(request, "q")
    wants_json = "application/json" in request.headers.get("Accept", "")
    tags: list[str] = []
    error = ""
    if not image:
        error = "Enter an image name to look up its tags."
    else:
        try:
            tags = list_tags(feed, image, TAG_SEARCH_LIMIT, query=query)
        except FeedError as exc:
            error = exc.message
    if wants_json:
        if error:
            status = 400 if not image else 502
            return JsonResponse({"feed": feed.slug, "image": image, "error": error}, status=status)
        return JsonResponse({"feed": feed.slug, "image": image, "query": query, "tags": tags})
    list_id = query_text(request, "list")
    context = {
        "feed": feed,
        "image": image,
        "query": query,
        "tags": tags,
        "error": error,
        "list_id": list_id if LIST_ID.match(list_id) else f"tags-{feed.slug}",
    }
    return render(request, "feeds/tags.html", context)
