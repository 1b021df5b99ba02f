"""URLs under /infrastructure/feeds/."""

from __future__ import annotations

from django.urls import path

from deployer.feeds import views as feeds

app_name = "feeds"

urlpatterns = [
    path("", feeds.list_feeds, name="list-feeds"),
    path("new/", feeds.create_feed, name="create-feed"),
    path("<slug:slug>/", feeds.edit_feed, name="edit-feed"),
    path("<slug:slug>/delete/", feeds.delete_feed, name="delete-feed"),
    path("<slug:slug>/test/", feeds.test_feed, name="test-feed"),
    path("<slug:slug>/tags/", feeds.search_tags, name="search-tags"),
]
