/** Hooks both pages use. */
import { useEffect, useState } from 'preact/hooks';

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

/** Re-renders whenever a store with `subscribe` changes; returns its current state. */
export function useStore<S>(store: { state: S; subscribe(listener: () => void): () => void }): S {
  const [, force] = useState(0);
  useEffect(() => store.subscribe(() => force((n) => n + 1)), [store]);
  return store.state;
}
