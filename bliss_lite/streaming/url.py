"""Where the data Redis is: ``data_redis:`` / ``--redis`` values, checked and shown safely.

Accepted: ``redis://[[user]:password@]host[:port][/db]``, ``rediss://...`` (TLS),
``unix:///path/to/socket[?db=N]`` (a password as ``?password=...`` or
``unix://:password@/path``), and ``local`` (a private server for the session, see
:mod:`bliss_lite.streaming.local`).  A password never appears in anything this module
prints: :meth:`RedisURL.display` replaces it by ``***``.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse
from dataclasses import dataclass

__all__ = ["LOCAL", "RedisURL", "RedisURLError", "parse_redis_url"]

LOCAL = "local"
_SCHEMES = ("redis", "rediss", "unix")


class RedisURLError(ValueError):
    """A ``data_redis`` / ``--redis`` value that cannot be used (one sentence)."""


@dataclass(frozen=True)
class RedisURL:
    """A checked data Redis address. ``url`` holds the password: never print it,
    print :meth:`display`."""

    url: str
    scheme: str
    host: str | None
    port: int | None
    path: str | None
    username: str | None
    has_password: bool

    def display(self) -> str:
        """The URL with its password replaced by ``***``."""
        return redact(self.url)

    @property
    def is_loopback(self) -> bool:
        return self.scheme == "unix" or is_loopback_host(self.host or "")

    def __repr__(self) -> str:  # never the password, also not by accident in a traceback
        return f"RedisURL({self.display()!r})"

    __str__ = display


def redact(url: str) -> str:
    """``url`` with any password (``:secret@`` or ``password=``) replaced by ``***``."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, sep, password = userinfo.partition(":")
        netloc = f"{user}{':***' if sep else ''}@{hostport}"
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, "***" if k.lower() == "password" else v) for k, v in query]
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path,
                                    urllib.parse.urlencode(query, safe="*"), parts.fragment))


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and 127.0.0.0/8, ::1 addresses."""
    host = host.strip("[]")
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_redis_url(value: object, *, insecure: bool = False, where: str = "--redis") -> RedisURL | str:
    """Check a ``data_redis`` / ``--redis`` value; returns :data:`LOCAL` or a
    :class:`RedisURL`.  ``where`` names the value's origin in the error sentence.

    A ``redis://`` URL without credentials to a host other than loopback is refused
    (the data would cross the network unauthenticated) unless ``insecure``.
    """
    if not isinstance(value, str) or not value.strip():
        raise RedisURLError(f"{where}: the data Redis must be a URL (redis://host:port, rediss://..., "
                            f"unix:///path) or 'local', got {value!r}")
    value = value.strip()
    if value == LOCAL:
        return LOCAL
    try:
        parts = urllib.parse.urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise RedisURLError(f"{where}: {redact(value)!r} is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise RedisURLError(f"{where}: {redact(value)!r} has scheme {parts.scheme!r}; the data Redis "
                            f"is redis://, rediss://, unix:// or 'local'")
    query = dict(urllib.parse.parse_qsl(parts.query))
    has_password = bool(parts.password) or bool(query.get("password"))
    username = urllib.parse.unquote(parts.username) if parts.username else query.get("username")
    if scheme == "unix":
        if not parts.path:
            raise RedisURLError(f"{where}: {redact(value)!r} names no socket path (unix:///path/to/socket)")
        return RedisURL(value, scheme, None, None, parts.path, username, has_password)
    if not parts.hostname:
        raise RedisURLError(f"{where}: {redact(value)!r} names no host (redis://host:port)")
    db = parts.path.strip("/")
    if db and not db.isdigit():
        raise RedisURLError(f"{where}: {redact(value)!r}: the database after the host must be a "
                            f"number (redis://host:port/0), got {db!r}")
    url = RedisURL(value, scheme, parts.hostname, port or 6379, None, username, has_password)
    if scheme == "redis" and not has_password and not url.is_loopback and not insecure:
        raise RedisURLError(
            f"{where}: refusing {url.display()!r}: a redis:// URL without a password to a host other "
            f"than this machine sends scan data unauthenticated and in clear; give a password "
            f"(redis://:PASSWORD@{parts.hostname}:{url.port}, or user:PASSWORD@ for an ACL user), "
            f"use rediss://, or say --insecure")
    return url


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
