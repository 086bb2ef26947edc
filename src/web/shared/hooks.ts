/** Hooks both pages use. */
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';

/** The current time, re-read every `ms` while `active` (for countdowns and wait times). */
export function useNow(ms: number, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms, active]);
  return now;
}

/**
 * Re-renders whenever a store with `subscribe` changes; returns its current state (the contract of
 * React's useSyncExternalStore). The subscription is made in a layout effect, and a change that
 * came between the render and the subscription is caught by comparing states: preact runs plain
 * effects after the next frame, and a page that starts its store right after `render()` (the chat
 * page restoring its conversation after a reload) could otherwise finish before anyone listened,
 * leaving the page showing its first state for good.
 */
export function useStore<S>(store: { state: S; subscribe(listener: () => void): () => void }): S {
  const state = store.state;
  const [, force] = useState(0);
  useLayoutEffect(() => {
    const unsubscribe = store.subscribe(() => force((n) => n + 1));
    if (store.state !== state) force((n) => n + 1);
    return unsubscribe;
  }, [store]);
  return state;
}
