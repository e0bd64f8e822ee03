"""WebTest over real HTTP: pages from running servers, filled and submitted as they render.

WebTest drives a WSGI application in-process. RemoteApp is a WSGI application that sends each
request over a real TCP connection to a server (an app server, or the balancer) and hands back its
answer untouched, so `page.forms[...]`, `form.submit()` and `.follow()` work against processes
started by the test, with one cookie jar across the servers a member talks to. It adds what a
browser would: the Origin header on a form post.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterable
from http.cookiejar import CookieJar
from typing import Any

from webtest import TestApp

LOOPBACK = "127.0.0.1"
# Headers about one hop of the connection, not the message: never passed along (PEP 3333).
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
}


class RemoteApp:
    """A WSGI app whose every request is answered by the HTTP server at LOOPBACK:port."""

    def __init__(self, port: int, *, timeout: float = 30.0) -> None:
        self.port = port
        self.timeout = timeout

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/") or "/"
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").title()] = environ[key]
        headers["Host"] = f"{LOOPBACK}:{self.port}"
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD"):
            headers["Origin"] = f"http://{LOOPBACK}:{self.port}"  # as a browser's form post
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        start_response(
            f"{response.status} {response.reason}",
            [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP],
        )
        return [content]


def new_cookie_jar() -> CookieJar:
    return CookieJar()


def browser(port: int, jar: CookieJar) -> TestApp:
    """Pages from the server at `port`, with the cookies in `jar` (shared by a member's browsers
    to each server: cookies belong to a host, not a port)."""
    return TestApp(
        RemoteApp(port), cookiejar=jar, extra_environ={"HTTP_HOST": f"{LOOPBACK}:{port}"}
    )
