/** A websocket that reconnects after a drop (backoff 0.5 s doubling to 10 s); the server sends
 * a fresh snapshot on each connect. Close code 4401 (not logged in) stops it. A frame holding a
 * JSON array is several messages, handed on one by one. */

export type SocketStatus = "connecting" | "live" | "reconnecting" | "unauthenticated" | "closed";

export interface SocketLike {
  onopen: ((ev: Event) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  send(data: string): void;
  close(code?: number): void;
}

export const backoff = (attempt: number): number => Math.min(500 * 2 ** attempt, 10_000);

export class ReconnectingSocket {
  private socket: SocketLike | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private live = false;

  constructor(
    private readonly url: string,
    private readonly onMessage: (data: unknown) => void,
    private readonly onStatus: (status: SocketStatus) => void,
    private readonly open: (url: string) => SocketLike = (u) => new WebSocket(u),
  ) {}

  start(): void {
    this.stopped = false;
    this.onStatus(this.attempt === 0 ? "connecting" : "reconnecting");
    const socket = this.open(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.live = true;
      this.onStatus("live");
    };
    socket.onmessage = (ev) => {
      // A socket that fell behind gets the messages that waited as one frame: a JSON array of
      // them, in order (ADR 0093). Each goes to the handler on its own, as if sent alone.
      const data: unknown = JSON.parse(String(ev.data));
      for (const message of Array.isArray(data) ? data : [data]) this.onMessage(message);
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      this.live = false;
      if (ev.code === 4401) {
        this.onStatus("unauthenticated");
        return;
      }
      this.onStatus("reconnecting");
      this.timer = setTimeout(() => this.start(), backoff(this.attempt++));
    };
  }

  /** Send a message to the server as JSON, if connected (true when sent). A socket that is
   * reconnecting gets a fresh snapshot anyway. */
  send(message: unknown): boolean {
    if (!this.live || !this.socket) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** Drop the connection as a network failure would (and reconnect). */
  drop(): void {
    this.socket?.close();
  }

  stop(): void {
    this.stopped = true;
    this.live = false;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close(1000);
    this.socket = null;
    this.onStatus("closed");
  }
}

type Loc = Pick<Location, "protocol" | "host">;

/** The websocket URL of a server path (`/ws/...`) on the page's host. */
export function socketUrl(path: string, loc: Loc = window.location): string {
  return `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}${path}`;
}

/** /ws/inbox/: the user's work items (a snapshot on connect, then changes). */
export const inboxSocketUrl = (loc?: Loc): string => socketUrl("/ws/inbox/", loc);

/** /ws/cases/{id}/: the case as the engine outputs it, on each change. */
export const caseSocketUrl = (id: number, loc?: Loc): string => socketUrl(`/ws/cases/${id}/`, loc);

/** /ws/dashboard/: `{"type": "changed"}` when cases changed (at most once a second). */
export const dashboardSocketUrl = (loc?: Loc): string => socketUrl("/ws/dashboard/", loc);
