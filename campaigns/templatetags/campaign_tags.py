from urllib.parse import quote, urlencode

from django import template

register = template.Library()


@register.simple_tag
def share_links(url: str, title: str) -> list[tuple[str, str]]:
    """Plain links to share a campaign: no third-party script, no tracking pixel, no cookies
    until the member chooses to click one."""
    text = f"{title}: {url}"
    return [
        ("Email", f"mailto:?{urlencode({'subject': title, 'body': text}, quote_via=quote)}"),
        ("WhatsApp", f"https://wa.me/?{urlencode({'text': text}, quote_via=quote)}"),
        (
            "Facebook",
            f"https://www.facebook.com/sharer/sharer.php?{urlencode({'u': url}, quote_via=quote)}",
        ),
        (
            "X (Twitter)",
            f"https://twitter.com/intent/tweet?{urlencode({'text': title, 'url': url}, quote_via=quote)}",
        ),
        (
            "Bluesky",
            f"https://bsky.app/intent/compose?{urlencode({'text': text}, quote_via=quote)}",
        ),
    ]
