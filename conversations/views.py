"""Private messages' pages. A conversation is a 404 to everyone outside it, moderators included;
a moderator reads one reported message, with a little context, on its own page, and that is logged."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Block, User
from forum.services import ActionRefused

from . import services
from .forms import ConversationForm, MessageForm
from .models import Message, Participant

CONVERSATIONS_PER_PAGE = 25
MESSAGES_PER_PAGE = 50


def _people() -> Prefetch[str]:
    """Everyone who is or was in the conversation, with their names: one query a page."""
    return Prefetch(
        "conversation__participants",
        queryset=Participant.objects.select_related("user").order_by("joined_at", "pk"),
    )


def _my_place(request: AuthenticatedHttpRequest, pk: int) -> Participant:
    """The member's place in the conversation; a 404 for anyone who has none (or left it)."""
    return get_object_or_404(
        Participant.objects.active().select_related("conversation"),
        conversation__pk=pk,  # not conversation_id: that lookup overflows on a huge pk
        user=request.user,
    )


def _blocked_by(user: User) -> QuerySet[Block, int]:
    return Block.objects.filter(blocker=user).values_list("blocked", flat=True)


@login_required
def conversation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    places = (
        Participant.objects.active()
        .filter(user=request.user)
        # Conversations with someone the member blocked are out of sight.
        .exclude(conversation__participants__user__in=_blocked_by(request.user))
        .select_related("conversation")
        .prefetch_related(_people())
        .order_by("-last_message_at", "-pk")
    )
    page = Paginator(places, CONVERSATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "conversations/list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def conversation_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    to = request.GET.get("to", "")[:400]
    form = ConversationForm(request.POST or None, initial={"to": to})
    if request.method == "POST" and form.is_valid():
        try:
            conversation = services.conversation_start(
                actor=request.user,
                recipients=form.cleaned_data["to"],
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Your message is sent.")
            return redirect(conversation)
    return render(request, "conversations/start.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def conversation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    place = _my_place(request, pk)
    conversation = place.conversation
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message = services.message_send(
                conversation=conversation, actor=request.user, body=form.cleaned_data["body"]
            )
        except ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            return redirect(message)
    people = list(conversation.participants.select_related("user").order_by("joined_at", "pk"))
    others = [p.user for p in people if p.user_id != request.user.pk]
    blocked = set(
        Block.objects.filter(blocker=request.user, blocked__in=others).values_list(
            "blocked__username", flat=True
        )
    )
    paginator = Paginator(
        conversation.messages.select_related("author").order_by("created_at", "pk"),
        MESSAGES_PER_PAGE,
    )
    # The newest messages first seen: the last page, unless the member asked for another.
    page = paginator.get_page(request.GET.get("page") or paginator.num_pages)
    if request.method == "GET":
        services.conversation_mark_read(conversation=conversation, actor=request.user)
    return render(
        request,
        "conversations/detail.html",
        {
            "conversation": conversation,
            "place": place,
            "people": people,
            "page": page,
            "form": form,
            "blocked": sorted(blocked),
            "anyone_left": any(p.left_at is None for p in people if p.user_id != request.user.pk),
        },
    )


@login_required
def message_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A message's link. For its conversation's members, the conversation at that message; for a
    moderator once it was reported, the message and the two before it (the reading is logged)."""
    message = get_object_or_404(Message.objects.select_related("author", "conversation"), pk=pk)
    if not message.is_visible_to(request.user):
        raise Http404
    conversation = message.conversation
    if Participant.objects.active().filter(conversation=conversation, user=request.user).exists():
        before = conversation.messages.filter(created_at__lt=message.created_at).count()
        page = before // MESSAGES_PER_PAGE + 1
        url = reverse("conversations:detail", kwargs={"pk": conversation.pk})
        return redirect(f"{url}?page={page}#m{message.pk}")
    services.moderator_view_record(message=message, actor=request.user)
    context = list(
        conversation.messages.filter(created_at__lte=message.created_at)
        .exclude(pk=message.pk)
        .select_related("author")
        .order_by("-created_at", "-pk")[:2]
    )[::-1]
    return render(
        request,
        "conversations/message_moderation.html",
        {"message": message, "context": context, "conversation": conversation},
    )


@login_required
@require_POST
def message_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(Message, pk=pk)
    if not message.is_visible_to(request.user):
        raise Http404
    try:
        services.message_delete(message=message, actor=request.user)
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Your message is deleted.")
    return redirect(message)


@login_required
@require_POST
def conversation_leave(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    place = _my_place(request, pk)
    services.conversation_leave(conversation=place.conversation, actor=request.user)
    messages.success(
        request, f"You left “{place.conversation.subject}”. Nothing more from it will reach you."
    )
    return redirect("conversations:list")
