import { useCallback, useEffect, useRef, useState } from "react";

import { caseSocketUrl, ReconnectingSocket, type SocketStatus } from "../../lib/socket";
import { dashboardApi } from "./api";
import type { CasePage, PushedCase } from "./types";

/**
 * A case page kept live: the page from the API, the marking and task states from each
 * /ws/cases/{id}/ push at once (the net redraws without a round trip), and the rest of the page
 * (work items, history) fetched again shortly after a push.
 */
export function useCaseLive(id: number) {
  const [page, setPage] = useState<CasePage | null>(null);
  const [pushed, setPushed] = useState<PushedCase | null>(null);
  const [status, setStatus] = useState<SocketStatus>("connecting");
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // another case: nothing of the previous one is shown (adjusted while rendering)
  const [pageFor, setPageFor] = useState(id);
  if (pageFor !== id) {
    setPageFor(id);
    setPage(null);
    setPushed(null);
  }

  // state is set when the answer is in, never synchronously in the effect below
  const reload = useCallback(
    () =>
      dashboardApi.casePage(id).then((r) => {
        if (r.ok) {
          setPage(r.data);
          setError(null);
        } else setError(r.message);
      }),
    [id],
  );

  useEffect(() => {
    void reload();
    const socket = new ReconnectingSocket(
      caseSocketUrl(id),
      (msg) => {
        const m = msg as { type?: string; case?: PushedCase };
        if (m.type !== "case" || !m.case) return;
        setPushed(m.case);
        if (timer.current) clearTimeout(timer.current);
        timer.current = setTimeout(() => void reload(), 150);
      },
      setStatus,
    );
    socket.start();
    return () => {
      socket.stop();
      if (timer.current) clearTimeout(timer.current);
    };
  }, [id, reload]);

  return { page, pushed, status, error, reload };
}
