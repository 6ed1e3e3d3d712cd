import { cleanup, render } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { dashboardSocketUrl, type SocketLike } from "../../lib/socket";

import { useLiveReload } from "./useLiveReload";

class FakeSocket implements SocketLike {
  onopen: ((ev: Event) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  close(): void {
    this.closed = true;
  }
  send(data: unknown): void {
    this.onmessage?.({ data: JSON.stringify(data) } as MessageEvent);
  }
}

function Page({
  load,
  sockets,
  min = 0,
}: {
  load: () => Promise<unknown>;
  sockets: FakeSocket[];
  min?: number;
}) {
  useLiveReload(load, "", min, (url) => {
    const s = new FakeSocket(url);
    sockets.push(s);
    return s;
  });
  return null;
}

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe("a dashboard page kept live by /ws/dashboard/", () => {
  it("loads at once, again on each change, again after a drop, and not otherwise", async () => {
    vi.useFakeTimers();
    const load = vi.fn(() => Promise.resolve(undefined));
    const sockets: FakeSocket[] = [];
    const view = render(<Page load={load} sockets={sockets} />);
    expect(load).toHaveBeenCalledTimes(1);
    expect(sockets[0].url).toBe(dashboardSocketUrl());

    sockets[0].onopen?.(new Event("open"));
    expect(load).toHaveBeenCalledTimes(1); // the first connect adds nothing
    sockets[0].send({ type: "changed" });
    expect(load).toHaveBeenCalledTimes(2);
    sockets[0].send({ type: "something else" });
    expect(load).toHaveBeenCalledTimes(2);

    await vi.advanceTimersByTimeAsync(30_000); // no polling meanwhile
    expect(load).toHaveBeenCalledTimes(2);

    sockets[0].onclose?.({ code: 1006 } as CloseEvent); // a drop: it reconnects
    await vi.advanceTimersByTimeAsync(600);
    expect(sockets).toHaveLength(2);
    sockets[1].onopen?.(new Event("open"));
    expect(load).toHaveBeenCalledTimes(3); // what changed meanwhile

    view.unmount();
    expect(sockets[1].closed).toBe(true);
  });

  it("spaces the loads of an expensive page, losing no change", async () => {
    vi.useFakeTimers();
    const load = vi.fn(() => Promise.resolve(undefined));
    const sockets: FakeSocket[] = [];
    render(<Page load={load} sockets={sockets} min={5000} />);
    sockets[0].onopen?.(new Event("open"));
    sockets[0].send({ type: "changed" });
    expect(load).toHaveBeenCalledTimes(2); // the first change: at once
    await vi.advanceTimersByTimeAsync(1000);
    sockets[0].send({ type: "changed" });
    sockets[0].send({ type: "changed" });
    expect(load).toHaveBeenCalledTimes(2); // too soon: scheduled, once
    await vi.advanceTimersByTimeAsync(3900);
    expect(load).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(200);
    expect(load).toHaveBeenCalledTimes(3);
  });
});
