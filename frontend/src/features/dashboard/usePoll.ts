import { useEffect, useEffectEvent, useRef } from "react";

/**
 * Calls `fn` now and every `ms` while the page is open (and skips a tick while one runs); starts
 * over when `key` changes. `fn` may be a new function on each render: the latest one is called.
 */
export function usePoll(fn: () => Promise<unknown>, ms: number, key: unknown): void {
  const running = useRef(false);
  const call = useEffectEvent(fn);
  useEffect(() => {
    let stopped = false;
    const tick = async () => {
      if (running.current || stopped) return;
      running.current = true;
      try {
        await call();
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
  }, [ms, key]);
}
