"""A NUL byte in an address is a bad request (400), never a database error (500)."""

import pytest


@pytest.mark.parametrize(
    "path",
    ["/members/%00/", "/members/alice%00/", "/campaigns/%00/", "/?page=%00", "/newest/?sort=a%00b"],
)
def test_nul_in_the_address_is_a_bad_request(client, member, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_the_same_address_without_nul_still_works(client, member):
    assert client.get("/members/alice/").status_code == 200


def test_an_admin_action_on_a_selection_that_is_not_a_row_is_a_bad_request(moderator_client):
    response = moderator_client.post(
        "/admin/forum/post/",
        {"action": "remove_with_reason", "_selected_action": ["1", "1' OR '1'='1"], "index": "0"},
    )
    assert response.status_code == 400
    assert "isn&#x27;t a row" in response.content.decode()


def test_an_empty_to_field_on_an_admin_page_is_a_bad_request(admin_client):
    response = admin_client.get("/admin/auth/group/1/change/?_to_field=")
    assert response.status_code == 400
