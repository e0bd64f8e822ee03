"""The admin for moderators.

Rows change only through admin actions that call forum.moderation, so every change is logged with
its reason and the member concerned is told. Change pages are read-only views (a hand edit would
not be logged, and would leave body_html stale), nothing is added here, and content is never
hard-deleted: a comment row holds its replies' place in the tree.

Drafts are private to their authors (a campaign's to its organisers), here as on the site, and
for superusers too: the admin is for what members published. No list, change page, search,
autocomplete, report or action page shows a draft's title or text.

- toolkit.py: what the admins here and other apps' build on. Another app's moderated content
  (campaigns) subclasses toolkit.ModeratedContentAdmin and says which of its rows are drafts; its
  own actions use toolkit.reason_action().
- content.py: sections, posts, comments, the report queue and the moderation log.
- members.py: the member admin (accounts' UserAdmin) with the suspend and ban actions.

Django's admin autodiscovery imports this package; importing the two modules registers their
admins.
"""

from . import content, members

__all__ = ["content", "members"]
