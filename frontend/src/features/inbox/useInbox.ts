import { useCallback, useEffect, useRef, useState } from "react";

import type { WorkItem } from "../../api/client";
import { applyMessage, type Items, type SocketMessage } from "./model";
import { inboxSocketUrl, ReconnectingSocket, type SocketStatus } from "../../lib/socket";

export interface InboxState {
  items: Items;
  status: SocketStatus;
  arrived: ReadonlySet<string>;
  lastRemoved: WorkItem | null;
  /** items the last snapshot left out (the server caps it, most urgent first) */
  omitted: number;
  /** simulate a network drop (the socket reconnects and gets a new snapshot) */
  drop: () => void;
  /** ask the server for a fresh snapshot (after an action whose outcome is unknown) */
  resync: () => void;
}

/** The live inbox: the socket's snapshot and events applied to a map of items. */
export function useInbox(onUnauthenticated: () => void): InboxState {
  const [items, setItems] = useState<Items>(new Map());
  const [status, setStatus] = useState<SocketStatus>("connecting");
  const [arrived, setArrived] = useState<ReadonlySet<string>>(new Set());
  const [lastRemoved, setLastRemoved] = useState<WorkItem | null>(null);
  const [omitted, setOmitted] = useState(0);
  const socket = useRef<ReconnectingSocket | null>(null);
  const itemsRef = useRef<Items>(items);

  useEffect(() => {
    const rs = new ReconnectingSocket(
      inboxSocketUrl(),
      (data) => {
        const result = applyMessage(itemsRef.current, data as SocketMessage);
        itemsRef.current = result.items;
        setItems(result.items);
        if (result.arrived.length) setArrived(new Set(result.arrived));
        if (result.removed) setLastRemoved(result.removed);
        if (result.omitted !== undefined) setOmitted(result.omitted);
      },
      (s) => {
        setStatus(s);
        if (s === "unauthenticated") onUnauthenticated();
      },
    );
    socket.current = rs;
    rs.start();
    return () => rs.stop();
  }, [onUnauthenticated]);

  const drop = useCallback(() => socket.current?.drop(), []);
  const resync = useCallback(() => void socket.current?.send({ type: "snapshot" }), []);
  return { items, status, arrived, lastRemoved, omitted, drop, resync };
}
