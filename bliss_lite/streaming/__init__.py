"""Scans beyond one process: BLISS's data protocol (blissdata on Redis).

* :func:`parse_redis_url` checks a ``data_redis:`` / ``--redis`` value (and refuses a
  password-less ``redis://`` to another host unless told ``insecure``);
* :class:`LocalRedis` is the private server of ``data_redis: local``;
* :func:`start_publishing` gives a session's publisher (a queued scan subscriber);
* :mod:`~bliss_lite.streaming.reader` turns scans read back from Redis into
  bliss_lite's scan events, for the follower (``bliss-lite follow``), the external
  NeXus writer (``bliss-lite writer``) and the plot window (``bliss-lite flint``).

Needs the ``redis`` extra (``pip install 'bliss_lite[redis]'``); nothing here imports
blissdata until a scan is published or read.
"""

from __future__ import annotations

from bliss_lite.streaming.url import LOCAL, RedisURL, RedisURLError, parse_redis_url

__all__ = ["LOCAL", "LocalRedis", "Publishing", "RedisURL", "RedisURLError", "parse_redis_url",
           "start_publishing"]


def start_publishing(*args, **kwargs):
    from bliss_lite.streaming.publisher import start_publishing as start

    return start(*args, **kwargs)


start_publishing.__doc__ = """``start_publishing(url, session, retention=...)``: see
:func:`bliss_lite.streaming.publisher.start_publishing`."""


def __getattr__(name: str):
    if name == "LocalRedis":
        from bliss_lite.streaming.local import LocalRedis

        return LocalRedis
    if name == "Publishing":
        from bliss_lite.streaming.publisher import Publishing

        return Publishing
    raise AttributeError(f"module 'bliss_lite.streaming' has no attribute {name!r}")
