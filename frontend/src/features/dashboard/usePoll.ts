import { useEffect, useRef } from "react";

/** Calls `fn` now and every `ms` while the page is open (and skips a tick while one runs). */
export function usePoll(fn: () => Promise<unknown>, ms: number, deps: unknown[]): void {
  const running = useRef(false);
  useEffect(() => {
    let stopped = false;
    const tick = async () => {
      if (running.current || stopped) return;
      running.current = true;
      try {
        await fn();
      } finally {
        running.current = false;
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), ms);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, deps); // eslint-disable-line react-hooks/exhaustive-deps
}
