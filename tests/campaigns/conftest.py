import pytest

from campaigns import services
from tests.conftest import make_member

from . import factories


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # Uploaded images go to a throwaway directory, never var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def owner(organiser):
    return organiser


@pytest.fixture
def campaign(owner):
    """A published campaign started by the organiser persona (its owner)."""
    return factories.campaign(owner, title="Take back control of party finances")


@pytest.fixture
def draft(owner):
    return factories.campaign(owner, title="Back Rosa for Treasurer", publish=False)


@pytest.fixture
def co_organiser(campaign, owner):
    user = make_member("cora", display_name="Cora Lewis")
    services.organiser_add(campaign=campaign, actor=owner, member=user)
    return user


@pytest.fixture
def supporter(campaign):
    user = make_member("sam", display_name="Sam Supporter")
    factories.support(campaign, user, contact_ok=True, name_visibility="public")
    campaign.refresh_from_db()
    return user
