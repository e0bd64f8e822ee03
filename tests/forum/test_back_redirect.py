"""Vote, recommend and moderate forms carry `next`; any value of it must go back safely, never 500."""

import pytest
from django.urls import reverse

from tests.forum import factories


@pytest.mark.parametrize(
    "bad_next",
    [
        "-1",
        "0",
        "forum:home",
        "javascript:alert(1)",
        "//evil.example/",
        "https://evil.example/",
        "\\\\evil.example",
        "/ok\x00",
    ],
)
def test_recommend_with_any_next_goes_back_to_the_post(member_client, other_member, bad_next):
    post = factories.post(other_member)
    response = member_client.post(
        reverse("forum:post-recommend", args=[post.pk]), {"next": bad_next}
    )
    assert response.status_code == 302
    assert response["Location"] == post.get_absolute_url()


@pytest.mark.parametrize("bad_next", ["-1", "forum:home", "//evil.example/"])
def test_vote_with_any_next_goes_back_to_the_comment(member_client, other_member, bad_next):
    comment = factories.comment(factories.post(other_member), other_member)
    response = member_client.post(
        reverse("forum:comment-vote", args=[comment.pk]), {"vote": "up", "next": bad_next}
    )
    assert response.status_code == 302
    assert response["Location"] == comment.get_absolute_url()


def test_a_next_on_this_site_is_followed(member_client, other_member):
    post = factories.post(other_member)
    response = member_client.post(
        reverse("forum:post-recommend", args=[post.pk]), {"next": "/newest/?page=2"}
    )
    assert response["Location"] == "/newest/?page=2"
