import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import {
  backoff,
  caseSocketUrl,
  inboxSocketUrl,
  ReconnectingSocket,
  type SocketLike,
  type SocketStatus,
} from "./socket";

class FakeSocket implements SocketLike {
  onopen: ((ev: Event) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  closed = false;
  sent: string[] = [];
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.closed = true;
    this.onclose?.({ code: 1006 } as CloseEvent);
  }
  serverCloses(code: number): void {
    this.onclose?.({ code } as CloseEvent);
  }
}

describe("ReconnectingSocket", () => {
  let sockets: FakeSocket[];
  let statuses: SocketStatus[];
  let messages: unknown[];
  let rs: ReconnectingSocket;

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    statuses = [];
    messages = [];
    rs = new ReconnectingSocket(
      "ws://x/ws/inbox/",
      (m) => messages.push(m),
      (s) => statuses.push(s),
      () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
    );
  });
  afterEach(() => vi.useRealTimers());

  it("passes messages on and reconnects after a drop, with backoff", () => {
    rs.start();
    sockets[0].onopen?.(new Event("open"));
    sockets[0].onmessage?.({ data: '{"type":"snapshot","work_items":[]}' } as MessageEvent);
    expect(messages).toEqual([{ type: "snapshot", work_items: [] }]);
    rs.drop();
    expect(statuses.at(-1)).toBe("reconnecting");
    vi.advanceTimersByTime(backoff(0));
    expect(sockets).toHaveLength(2);
    sockets[1].serverCloses(1006); // still down: waits longer
    vi.advanceTimersByTime(backoff(1) - 1);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    sockets[2].onopen?.(new Event("open"));
    expect(statuses.at(-1)).toBe("live");
  });

  it("hands on the messages of a batched frame one by one, in order", () => {
    rs.start();
    sockets[0].onmessage?.({
      data: '[{"type":"work_item","event":"removed","n":1},{"type":"work_item","event":"offered","n":2}]',
    } as MessageEvent);
    sockets[0].onmessage?.({
      data: '{"type":"work_item","event":"updated","n":3}',
    } as MessageEvent);
    expect(messages).toEqual([
      { type: "work_item", event: "removed", n: 1 },
      { type: "work_item", event: "offered", n: 2 },
      { type: "work_item", event: "updated", n: 3 },
    ]);
  });

  it("sends the server a message only while connected", () => {
    rs.start();
    expect(rs.send({ type: "snapshot" })).toBe(false); // not open yet
    sockets[0].onopen?.(new Event("open"));
    expect(rs.send({ type: "snapshot" })).toBe(true);
    expect(sockets[0].sent).toEqual(['{"type":"snapshot"}']);
    rs.drop();
    expect(rs.send({ type: "snapshot" })).toBe(false); // reconnecting: the new snapshot comes anyway
    expect(sockets[0].sent).toHaveLength(1);
  });

  it("stops when the server says the user is not logged in", () => {
    rs.start();
    sockets[0].serverCloses(4401);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(statuses.at(-1)).toBe("unauthenticated");
  });

  it("does not reconnect after stop", () => {
    rs.start();
    rs.stop();
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(statuses.at(-1)).toBe("closed");
  });

  it("caps the backoff at 10 s", () => {
    expect([0, 1, 2, 10].map(backoff)).toEqual([500, 1000, 2000, 10_000]);
  });

  it("builds ws:// or wss:// from the page", () => {
    expect(inboxSocketUrl({ protocol: "https:", host: "h:1" })).toBe("wss://h:1/ws/inbox/");
    expect(inboxSocketUrl({ protocol: "http:", host: "h" })).toBe("ws://h/ws/inbox/");
  });
});

describe("the case socket", () => {
  it("follows the page's scheme", () => {
    expect(caseSocketUrl(7, { protocol: "https:", host: "ops.example" })).toBe(
      "wss://ops.example/ws/cases/7/",
    );
    expect(caseSocketUrl(7, { protocol: "http:", host: "127.0.0.1:8000" })).toBe(
      "ws://127.0.0.1:8000/ws/cases/7/",
    );
  });
});
