"""``threadline serve``: the embedded Assistants-compatible server on a TCP port.

It binds loopback unless told otherwise and always requires ``Authorization: Bearer
<token>``: on a shared host other users can reach 127.0.0.1. Without ``--token`` one is
generated and printed once, to stderr.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

DEFAULT_PORT = 8765


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the Assistants-compatible server",
        description="Serve the Assistants v2 API from Threadline's own server, at "
        "http://HOST:PORT/v1, with every request requiring the bearer token.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port to bind, 0 for any (default: %(default)s)",
    )
    parser.add_argument(
        "--engine", choices=("demo", "chat"), help="what answers (default: the profile's engine)"
    )
    parser.add_argument("--token", help="the bearer token clients must send (default: generated)")
    parser.add_argument(
        "--demo-speed",
        type=float,
        metavar="N",
        help="demo engine tokens per second, 0 = as fast as possible (default: the profile's)",
    )
    parser.add_argument(
        "--chat-base-url",
        metavar="URL",
        help="chat engine: the Chat Completions API root, e.g. http://localhost:11434/v1 "
        "(default: the profile's chat_base_url)",
    )
    parser.add_argument(
        "--chat-model",
        metavar="NAME",
        help="chat engine: the model to ask (default: the profile's chat_model)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from threadline.cli import CLIError

    if args.demo_speed is not None and args.demo_speed < 0:
        raise CLIError("--demo-speed must be 0 or more")
    if args.token is not None and not args.token.strip():
        raise CLIError("--token must not be empty")
    if not 0 <= args.port <= 65535:
        raise CLIError(f"--port {args.port}: not a port number")
    try:
        return asyncio.run(_serve(args))
    except KeyboardInterrupt:
        return 0


def _bind(host: str, port: int) -> Any:
    """A bound socket, not yet listening (uvicorn's own binding exits the process on
    failure)."""
    import socket

    from threadline.cli import CLIError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError:
            sock.close()
            raise
    except OSError as exc:
        raise CLIError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def _profile(name: str | None) -> Any:
    from threadline.config import load_config

    return load_config().profile(name)


def with_chat_flags(profile: Any, args: argparse.Namespace) -> Any:
    """The profile with ``--chat-base-url`` / ``--chat-model`` in place of its own keys (the
    chat engine checks the values when it is built)."""
    flags = {"chat_base_url": args.chat_base_url, "chat_model": args.chat_model}
    given = {key: value for key, value in flags.items() if value is not None}
    return profile.model_copy(update=given) if given else profile


async def _serve(args: argparse.Namespace) -> int:
    import secrets

    import uvicorn

    from threadline.cli.embedded import SERVER_STORE, build_engine
    from threadline.locations import data_dir, ensure_private_dir
    from threadline.server.app import create_app
    from threadline.server.store import Store

    profile = with_chat_flags(_profile(getattr(args, "profile", None)), args)
    engine = build_engine(args.engine or profile.engine, profile, args.demo_speed)
    # The "tl-" prefix keeps a generated token from starting with "-", which a command line
    # (ours included) would read as an option when the token is pasted after --token.
    token = args.token or "tl-" + secrets.token_urlsafe(32)
    folder = ensure_private_dir(data_dir())
    store = await Store.open(folder / SERVER_STORE)
    if store.moved_aside is not None:
        print(
            f"threadline: the server store was unreadable, moved to {store.moved_aside}",
            file=sys.stderr,
        )
    try:
        app = create_app(store, engine, token=token)
        config = uvicorn.Config(
            app, host=args.host, port=args.port, log_level="warning", lifespan="on"
        )
        server = uvicorn.Server(config)
        sock = _bind(args.host, args.port)
        # Listening before the URL is printed: a client that connects at once waits in the
        # backlog until uvicorn accepts, instead of being refused while uvicorn starts.
        sock.listen(config.backlog)
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        print(f"http://{shown}:{port}/v1", flush=True)
        if args.token is None:
            print(f"threadline: token: {token}", file=sys.stderr, flush=True)
        await server.serve(sockets=[sock])
    finally:
        await store.close()
    return 0
