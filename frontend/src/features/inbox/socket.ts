/** A websocket that reconnects after a drop (backoff 0.5 s doubling to 10 s); the server sends
 * a fresh snapshot on each connect. Close code 4401 (not logged in) stops it. */

export type SocketStatus = "connecting" | "live" | "reconnecting" | "unauthenticated" | "closed";

export interface SocketLike {
  onopen: ((ev: Event) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  close(code?: number): void;
}

export const backoff = (attempt: number): number => Math.min(500 * 2 ** attempt, 10_000);

export class ReconnectingSocket {
  private socket: SocketLike | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

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
      this.onStatus("live");
    };
    socket.onmessage = (ev) => this.onMessage(JSON.parse(String(ev.data)));
    socket.onclose = (ev) => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      if (ev.code === 4401) {
        this.onStatus("unauthenticated");
        return;
      }
      this.onStatus("reconnecting");
      this.timer = setTimeout(() => this.start(), backoff(this.attempt++));
    };
  }

  /** Drop the connection as a network failure would (and reconnect). */
  drop(): void {
    this.socket?.close();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close(1000);
    this.socket = null;
    this.onStatus("closed");
  }
}

export function inboxSocketUrl(loc: Pick<Location, "protocol" | "host"> = window.location): string {
  return `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}/ws/inbox/`;
}
