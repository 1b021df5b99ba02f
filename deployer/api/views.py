"""The profile page: the signed-in user's API tokens (create: the secret shown once; revoke)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from deployer.api.actions import issue_token, revoke_token
from deployer.api.forms import TokenForm
from deployer.api.models import ApiToken
from deployer.core.http import HtmxHttpRequest


def show_profile(request: HtmxHttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        _token, secret = issue_token(request.user, form.cleaned_data["name"], form.expires_at())
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)  # type: ignore[misc]
    return render(
        request,
        "api/profile.html",
        {"form": form, "tokens": tokens, "secret": secret, "section": "profile"},
    )


@require_POST
def revoke_api_token(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    # Only one's own tokens: another user's token is a 404, as if it did not exist.
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    revoke_token(token)
    messages.success(request, f"Token {token.name} revoked: it no longer works.")
    return redirect("profile:show")
