import { useEffect, useEffectEvent, useState } from "react";

import {
  dashboardSocketUrl,
  ReconnectingSocket,
  type SocketLike,
  type SocketStatus,
} from "../../lib/socket";

import { usePoll } from "./usePoll";

const openWebSocket = (url: string): SocketLike => new WebSocket(url);

/** A slow safety net only: the socket is how a page hears of changes. */
export const FALLBACK_REFRESH_MS = 60_000;

/**
 * Keeps a dashboard page current without polling: `load` runs now, again whenever
 * /ws/dashboard/ says cases changed (the server sends that at most once a second), again when
 * the socket comes back after a drop (changes may have been missed meanwhile), and every
 * FALLBACK_REFRESH_MS whatever happens (starting over when `key` changes). A change is loaded at once unless the page loaded for a
 * change less than `minIntervalMs` ago; then once, when that interval is over (an expensive
 * page, such as the overview, asks for more than the server's second). Returns the socket's
 * status, for the page to show.
 */
export function useLiveReload(
  load: () => Promise<unknown>,
  key: unknown,
  minIntervalMs = 0,
  open: (url: string) => SocketLike = openWebSocket,
): SocketStatus {
  const [status, setStatus] = useState<SocketStatus>("connecting");
  usePoll(load, FALLBACK_REFRESH_MS, key);
  // the latest `load`, for the socket's callbacks
  const loadNow = useEffectEvent(load);
  // one socket per mounted page, whatever `open` the caller passes on each render
  const openSocket = useEffectEvent(open);
  useEffect(() => {
    let wasLive = false;
    let last = -Infinity;
    let due: ReturnType<typeof setTimeout> | null = null;
    const changed = () => {
      if (due) return; // a load is already scheduled: it will show this change too
      const wait = last + minIntervalMs - Date.now();
      const run = () => {
        due = null;
        last = Date.now();
        void loadNow();
      };
      if (wait <= 0) run();
      else due = setTimeout(run, wait);
    };
    const socket = new ReconnectingSocket(
      dashboardSocketUrl(),
      (msg) => {
        if ((msg as { type?: string }).type === "changed") changed();
      },
      (next) => {
        setStatus(next);
        if (next !== "live") return;
        if (wasLive) void loadNow(); // back after a drop
        wasLive = true;
      },
      (url) => openSocket(url),
    );
    socket.start();
    return () => {
      socket.stop();
      if (due) clearTimeout(due);
    };
  }, [minIntervalMs]);
  return status;
}

/** The socket's status as the case page shows its own. */
export function LiveStatus({ status }: { status: SocketStatus }) {
  return (
    <span className={`socket socket-${status}`} data-testid="dashboard-socket">
      {status === "live" ? "● live" : status}
    </span>
  );
}
