"""``bliss-lite follow``, ``bliss-lite writer`` and ``bliss-lite flint``: the consumers
as commands."""

from __future__ import annotations

import argparse
import socket
import sys

__all__ = ["COMMANDS", "main"]

COMMANDS = ("follow", "writer", "flint")


def build_parser(command: str) -> argparse.ArgumentParser:
    what = {"follow": "print the live table of every scan of a session, read from its data Redis",
            "writer": "write the scans of a session running with SCAN_SAVING.writer = 'external' "
                      "(bliss_lite's NeXus writer, fed from the data Redis)",
            "flint": "show every scan of a session in the live plot window, read from its data Redis"}[command]
    parser = argparse.ArgumentParser(prog=f"bliss-lite {command}", description=what)
    parser.add_argument("-s", "--session", metavar="NAME", required=True, help="the session to follow")
    parser.add_argument("--redis", metavar="URL",
                        help="the data Redis (redis://[:password@]host:port/db, rediss://..., "
                             "unix:///path); default: data_redis: of the beamline configuration")
    parser.add_argument("--root", metavar="DIR", help="the beamline directory (for data_redis:)")
    parser.add_argument("--insecure", action="store_true",
                        help="allow a redis:// URL without password to another host")
    parser.add_argument("--all", action="store_true",
                        help="also the scans still kept in Redis, not only those started from now on")
    if command == "flint":  # the window's command socket, as flint() drives its window
        parser.add_argument("--commands-fd", type=int, help=argparse.SUPPRESS)
    else:
        parser.add_argument("--count", type=int, metavar="N", help="stop after N scans")
    if command == "follow":
        parser.add_argument("--mode", choices=("table", "progress"), default="table",
                            help="table (every row) or progress (one line per scan)")
    return parser


def _configured_url(session: str, root: str | None) -> object:
    from bliss_lite.config import Config, find_root
    from bliss_lite.devices import BUILTIN_CLASSES

    config = Config(find_root(root), classes=BUILTIN_CLASSES)
    value = config.root_settings.get("data_redis")
    if session in config.sessions and config.sessions[session].get("data_redis") is not None:
        value = config.sessions[session].get("data_redis")
    return value


def main(command: str, argv: list[str]) -> int:
    args = build_parser(command).parse_args(argv)
    from bliss_lite.streaming.url import LOCAL, RedisURLError, parse_redis_url

    try:
        value: object = args.redis
        where = "--redis"
        if value is None:
            value, where = _configured_url(args.session, args.root), "data_redis"
            if value is None:
                raise RedisURLError(f"session {args.session!r} has no data_redis: in its configuration; "
                                    f"say where its data Redis is with --redis URL")
        url = parse_redis_url(value, insecure=args.insecure, where=where)
        if url == LOCAL:
            raise RedisURLError(f"session {args.session!r} publishes to a private data Redis ('local'): "
                                f"give the URL it printed at start-up with --redis URL")
    except (RedisURLError, ValueError) as exc:
        print(f"bliss-lite {command}: {exc}", file=sys.stderr)
        return 1
    import importlib.util

    if importlib.util.find_spec("blissdata") is None:
        print(f"bliss-lite {command}: needs the redis extra: pip install 'bliss_lite[redis]'", file=sys.stderr)
        return 1
    if command == "flint":
        from bliss_lite.flint.link import display_problem

        problem = display_problem()
        if problem is not None:
            print(f"bliss-lite flint: no plot window: {problem}", file=sys.stderr)
            return 1
    import warnings

    from bliss_lite._common import print_warning
    from bliss_lite.streaming import consumers

    warnings.showwarning = lambda message, *rest, **kw: print_warning(str(message))
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(line_buffering=True)
    def ready() -> None:
        doing = {"follow": "Following", "writer": "Writing", "flint": "Plotting"}[command]
        print(f"{doing} the scans of session {args.session!r} from {url.display()} "
              f"({'close the window or ' if command == 'flint' else ''}Ctrl-C to stop)", flush=True)

    since = "0-0" if args.all else None
    try:
        if command == "follow":
            consumers.follow(url, args.session, args.mode, since=since, max_scans=args.count, ready=ready)
        elif command == "flint":
            commands = None if args.commands_fd is None else socket.socket(fileno=args.commands_fd)
            return consumers.plot(url, args.session, since=since, ready=ready, commands=commands)
        else:
            consumers.write(url, args.session, since=since, max_scans=args.count, ready=ready)
    except KeyboardInterrupt:
        return 0
    return 0
