from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest

from . import services
from .forms import CommentForm, PostForm
from .hats import with_hats
from .markup import render_markdown
from .mod_forms import COMMENT_ACTIONS, POST_ACTIONS
from .models import Comment, Follow, Post, PostQuerySet, Recommendation, Section
from .pagecache import anonymous_page_cache
from .paging import countless_page
from .redirects import back
from .thread_html import Viewer, thread_html
from .threads import SORT_LABELS, ThreadPage, clean_pk, clean_sort, comment_thread, post_thread

POSTS_PER_PAGE = 25


def _post_for(request: HttpRequest, pk: int) -> Post:
    """A post the user may see (404 otherwise: drafts of others don't exist for them), with its
    author's hats."""
    posts = Post.objects.visible_to(request.user).select_related("author", "section")
    return get_object_or_404(with_hats(posts, post_field="pk"), pk=pk)


def _comment_for(request: HttpRequest, pk: int) -> Comment:
    comments = with_hats(Comment.objects.select_related("author", "post"), post_field="post_id")
    comment = get_object_or_404(comments, pk=pk)
    _post_for(request, comment.post_id)
    return comment


# Lists -------------------------------------------------------------------------------------------


def _post_list(
    request: HttpRequest, queryset: PostQuerySet, template: str, **context: Any
) -> HttpResponse:
    # Lists show the moderator hat only: a discussion's own hats (organisers) belong in it.
    posts = with_hats(queryset.for_listing())
    page = countless_page(posts, request.GET.get("page"), POSTS_PER_PAGE)
    context.update(page=page, posts=page.object_list, sections=Section.objects.all())
    return render(request, template, context)


@anonymous_page_cache
def home(request: HttpRequest) -> HttpResponse:
    promoted = list(
        with_hats(Post.objects.listed().filter(is_promoted=True).for_listing()).order_by(
            "-published_at", "-pk"
        )[:5]
    )
    # Only the promoted posts shown above are left out of Hot: a sixth still appears below.
    hot = Post.objects.listed().exclude(pk__in=[p.pk for p in promoted]).order_by("-hot", "-pk")
    return _post_list(request, hot, "forum/home.html", promoted=promoted, tab="hot")


@anonymous_page_cache
def newest(request: HttpRequest) -> HttpResponse:
    posts = Post.objects.listed().order_by("-published_at", "-pk")
    return _post_list(request, posts, "forum/home.html", tab="new")


@anonymous_page_cache
def recommended(request: HttpRequest) -> HttpResponse:
    hours = settings.FORUM_RECOMMENDED_HOURS
    since = timezone.now() - timedelta(hours=hours)
    posts = (
        Post.objects.listed()
        .filter(published_at__gte=since, recommendation_count__gt=0)
        .order_by("-recommendation_count", "-published_at", "-pk")
    )
    return _post_list(request, posts, "forum/home.html", tab="recommended", recommended_hours=hours)


@anonymous_page_cache
def section(request: HttpRequest, slug: str) -> HttpResponse:
    current = get_object_or_404(Section, slug=slug)
    sort = "new" if request.GET.get("sort") == "new" else "hot"
    order = ("-published_at", "-pk") if sort == "new" else ("-hot", "-pk")
    posts = Post.objects.listed().filter(section=current).order_by(*order)
    return _post_list(request, posts, "forum/section.html", section=current, sort=sort)


@login_required
def drafts(request: AuthenticatedHttpRequest) -> HttpResponse:
    posts = Post.objects.filter(
        author=request.user, status=Post.Status.DRAFT, state="visible"
    ).order_by("-created_at")
    return _post_list(request, posts, "forum/drafts.html")


# Posts -------------------------------------------------------------------------------------------


@anonymous_page_cache
def post_detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    post = _post_for(request, pk)
    if slug != post.slug:
        return redirect(post, permanent=True)
    sort = clean_sort(request.GET.get("sort"))
    after = clean_pk(request.GET.get("after"))
    thread = post_thread(post, sort=sort, after=after, user=request.user)
    recommended = (
        request.user.is_authenticated
        and Recommendation.objects.filter(post=post, user=request.user).exists()
    )
    follow = (
        Follow.objects.filter(post=post, user=request.user).first()
        if request.user.is_authenticated
        else None
    )
    return render(
        request,
        "forum/post_detail.html",
        {
            "post": post,
            "thread": thread,
            "thread_html": _thread_html(request, thread, post=post),
            "sort": sort,
            "sorts": SORT_LABELS,
            "recommended": recommended,
            "follow": follow,
            "form": CommentForm(),
            "post_mod_actions": POST_ACTIONS,
            "comment_mod_actions": COMMENT_ACTIONS,
        },
    )


def _post_form_response(
    request: AuthenticatedHttpRequest, form: PostForm, *, post: Post | None
) -> HttpResponse | None:
    """Handle the write/edit form's three buttons. Returns None when the form must be shown again."""
    action = request.POST.get("action", "publish")
    if action == "preview":
        return None
    data = form.cleaned_data
    if post is None:
        post = services.post_create(
            actor=request.user,
            section=data["section"],
            title=data["title"],
            body=data["body"],
            publish=action == "publish",
        )
    else:
        post = services.post_update(
            post=post,
            actor=request.user,
            section=data["section"],
            title=data["title"],
            body=data["body"],
            publish=action == "publish",
        )
    if post.is_published:
        messages.success(request, "Your post is published.")
        return redirect(post)
    messages.success(request, "Draft saved. Only you can see it.")
    return redirect("forum:post-edit", pk=post.pk)


@login_required
@require_http_methods(["GET", "POST"])
def post_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {}
    if section_slug := request.GET.get("section"):
        initial["section"] = Section.objects.filter(slug=section_slug).first()
    form = PostForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            response = _post_form_response(request, form, post=None)
        except services.ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            if response:
                return response
    return render(request, "forum/post_form.html", _form_context(request, form, post=None))


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    post = _post_for(request, pk)
    if not post.can_edit(request.user):
        raise PermissionDenied("You can only edit your own posts.")
    initial = {"section": post.section, "title": post.title, "body": post.body}
    form = PostForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            response = _post_form_response(request, form, post=post)
        except services.ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            if response:
                return response
    return render(request, "forum/post_form.html", _form_context(request, form, post=post))


def _form_context(request: HttpRequest, form: PostForm, *, post: Post | None) -> dict[str, Any]:
    preview = None
    if request.method == "POST" and form.is_valid() and request.POST.get("action") == "preview":
        preview = render_markdown(form.cleaned_data["body"])
    return {"form": form, "post": post, "preview": preview}


@login_required
@require_POST
def post_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    post = _post_for(request, pk)
    if not post.is_owned_by(request.user):
        raise PermissionDenied("You can only delete your own posts.")
    try:
        services.post_delete(post=post, actor=request.user)
    except services.ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Your post is deleted. Its discussion stays readable.")
    if post.is_published:
        return redirect(post)
    return redirect("forum:drafts")


def post_history(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_for(request, pk)
    if not post.can_see_history(request.user):
        raise PermissionDenied("Only the author and moderators can see a post's history.")
    return render(
        request, "forum/post_history.html", {"post": post, "revisions": post.revisions.all()}
    )


@login_required
@require_POST
def post_recommend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    post = _post_for(request, pk)
    try:
        if request.POST.get("action") == "unrecommend":
            services.post_unrecommend(post=post, actor=request.user)
        else:
            services.post_recommend(post=post, actor=request.user)
    except services.ActionRefused as refusal:
        messages.error(request, str(refusal))
    return back(request, post.get_absolute_url())


@login_required
@require_POST
def post_follow(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    post = _post_for(request, pk)
    choice = request.POST.get("choice", "")
    try:
        services.post_follow_set(post=post, actor=request.user, choice=choice)
    except services.ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, FOLLOW_SAID[choice])
    return back(request, post.get_absolute_url())


FOLLOW_SAID = {
    "follow": "You follow this discussion: you'll be told of new comments in it.",
    "unfollow": "You no longer follow this discussion (replies to you and mentions still reach you).",
    "mute": "You muted this discussion: you won't be told of anything in it.",
}


# Comments ----------------------------------------------------------------------------------------


def _reply_form_page(
    request: HttpRequest,
    form: CommentForm,
    *,
    post: Post,
    parent: Comment | None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "forum/reply.html",
        {"form": form, "post": post, "parent": parent},
        status=status,
    )


def _create_comment(
    request: AuthenticatedHttpRequest, *, post: Post, parent: Comment | None
) -> HttpResponse:
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            comment = services.comment_create(
                post=post, actor=request.user, body=form.cleaned_data["body"], parent=parent
            )
        except services.ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Your reply is posted.")
            return redirect(comment)
    return _reply_form_page(request, form, post=post, parent=parent)


@login_required
@require_POST
def comment_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A top-level comment on a post."""
    return _create_comment(request, post=_post_for(request, pk), parent=None)


@login_required
@require_http_methods(["GET", "POST"])
def comment_reply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    parent = _comment_for(request, pk)
    return _create_comment(request, post=parent.post, parent=parent)


def _thread_html(request: HttpRequest, thread: ThreadPage, *, post: Post) -> str:
    viewer = Viewer(
        request.user,
        csrf_token=get_token(request) if request.user.is_authenticated else "",
        next_path=request.get_full_path(),
        mod_actions=COMMENT_ACTIONS,
    )
    return thread_html(thread.entries, post=post, viewer=viewer, sort=thread.sort)


@anonymous_page_cache
def comment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment's own page (its permalink), with the comments above it for context; with
    `?after=<reply>`, a branch page: its replies after that one ("N more replies")."""
    comment = _comment_for(request, pk)
    post = _post_for(request, comment.post_id)
    sort = clean_sort(request.GET.get("sort"))
    ancestors = list(
        with_hats(comment.get_ancestors().select_related("author"), post_field="post_id")
    )
    thread = comment_thread(
        comment, sort=sort, after=clean_pk(request.GET.get("after")), user=request.user
    )
    return render(
        request,
        "forum/comment_detail.html",
        {
            "post": post,
            "comment": comment,
            "thread": thread,
            "thread_html": _thread_html(request, thread, post=post),
            "ancestors": ancestors,
            "sort": sort,
            "sorts": SORT_LABELS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    comment = _comment_for(request, pk)
    if not comment.can_edit(request.user):
        raise PermissionDenied("You can only edit your own comments.")
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            comment = services.comment_update(
                comment=comment, actor=request.user, body=form.cleaned_data["body"]
            )
        except services.ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Your comment is updated.")
            return redirect(comment)
    return render(request, "forum/comment_edit.html", {"form": form, "comment": comment})


@login_required
@require_POST
def comment_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    comment = _comment_for(request, pk)
    if not comment.is_owned_by(request.user):
        raise PermissionDenied("You can only delete your own comments.")
    try:
        services.comment_delete(comment=comment, actor=request.user)
    except services.ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Your comment is deleted. Replies to it stay.")
    return redirect(comment)


VOTE_VALUES = {"up": 1, "down": -1, "clear": 0}


@login_required
@require_POST
def comment_vote(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    comment = _comment_for(request, pk)
    value = VOTE_VALUES.get(request.POST.get("vote", ""))
    if value is None:
        messages.error(request, "A vote is up, down, or clear.")
    else:
        try:
            services.comment_vote(comment=comment, actor=request.user, value=value)
        except services.ActionRefused as refusal:
            messages.error(request, str(refusal))
    return back(request, comment.get_absolute_url(), anchor=f"c{comment.pk}")


def comment_history(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_for(request, pk)
    if not comment.can_see_history(request.user):
        raise PermissionDenied("Only the author and moderators can see a comment's history.")
    return render(
        request,
        "forum/comment_history.html",
        {"comment": comment, "revisions": comment.revisions.all()},
    )
