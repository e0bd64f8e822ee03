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
