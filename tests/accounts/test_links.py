"""fast_reverse gives what reverse gives."""

import random

from django.urls import reverse

from accounts.links import fast_reverse, pk_url


def test_fast_reverse_matches_reverse_on_awkward_values():
    rnd = random.Random(3)
    alphabet = "abcXYZ019@.+-_éßñ中"
    for _ in range(2000):
        pk = rnd.randint(1, 10**12)
        username = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 20)))
        slug = "".join(rnd.choice("abc-_019") for _ in range(rnd.randint(1, 30)))
        assert fast_reverse("accounts:profile", username) == reverse(
            "accounts:profile", args=[username]
        )
        assert fast_reverse("forum:post-detail", pk, slug) == reverse(
            "forum:post-detail", args=[pk, slug]
        )
        assert fast_reverse("forum:section", slug) == reverse("forum:section", args=[slug])
        assert fast_reverse("forum:comment-detail", pk) == reverse(
            "forum:comment-detail", args=[pk]
        )
        assert pk_url("forum:comment-detail")(pk) == reverse("forum:comment-detail", args=[pk])
        assert pk_url("forum:report", "comment")(pk) == reverse(
            "forum:report", args=["comment", pk]
        )


def test_fast_reverse_follows_the_script_prefix():
    from django.urls import set_script_prefix

    set_script_prefix("/forum/")
    try:
        assert fast_reverse("forum:section", "policy") == reverse("forum:section", args=["policy"])
        assert fast_reverse("forum:section", "policy").startswith("/forum/")
        assert pk_url("forum:comment-detail")(7) == reverse("forum:comment-detail", args=[7])
    finally:
        set_script_prefix("/")
