"""Daphne, with a graceful stop for websockets (issue 16; docs/operations.md).

    python -m ops.serve -b 127.0.0.1 -p 8001 config.asgi:application   (Daphne's own options)

Daphne on SIGTERM stops its reactor and drops every connection: a websocket client sees an
abnormal closure (1006) at best. This server first stops listening (new connections are
refused, so the proxy sends them to another process), then sends every open websocket a close frame
with code 1012 ("service restart"), waits up to CLOSE_GRACE seconds for the close handshakes,
then lets Daphne stop as usual. Clients (the browser app reconnects by itself) reconnect
through the proxy to another web process and get a fresh snapshot, so they miss nothing.
"""

from __future__ import annotations

import sys
from typing import Any

from daphne.cli import CommandLineInterface
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import defer, reactor, task

CLOSE_GRACE = 3.0
SERVICE_RESTART = 1012


class GracefulServer(Server):
    def run(self) -> None:
        self._ports: list[Any] = []
        reactor.addSystemEventTrigger("before", "shutdown", self.close_websockets)  # type: ignore[arg-type]
        super().run()

    def listen_success(self, port: Any) -> None:
        self._ports.append(port)
        super().listen_success(port)

    def close_websockets(self) -> Any:
        # stop accepting first: a connection refused here is retried on another web process by
        # the proxy, one accepted now would be cut off in the middle of its handshake
        for port in self._ports:
            port.stopListening()
        sockets = [p for p in list(getattr(self, "connections", {})) if isinstance(p, WebSocketProtocol)]
        for proto in sockets:
            try:
                # sendClose() only lets an application send 1000 or 3000-4999; 1012 is the
                # server's own code for this (RFC 6455 registry), sent as the frame it is
                proto.sendCloseFrame(code=SERVICE_RESTART, reasonUtf8=b"server restarting", isReply=False)
            except Exception:  # noqa: S112 - a socket already gone: nothing to close
                continue
        if not sockets:
            return None
        done: defer.Deferred[None] = defer.Deferred()
        waited = [0.0]

        def check() -> None:
            open_ = [p for p in sockets if p.state != WebSocketProtocol.STATE_CLOSED]
            waited[0] += 0.05
            if not open_ or waited[0] >= CLOSE_GRACE:
                loop.stop()
                done.callback(None)

        loop = task.LoopingCall(check)
        loop.start(0.05, now=False)
        return done


class GracefulCommandLineInterface(CommandLineInterface):
    server_class = GracefulServer


def main() -> None:
    GracefulCommandLineInterface().run(sys.argv[1:])


if __name__ == "__main__":
    main()
