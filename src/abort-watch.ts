/**
 * One abort listener per AbortSignal for all the reads waiting on it. With a listener per
 * read, more than 10 reads sharing a signal make Node print a MaxListenersExceededWarning,
 * while the library must print nothing.
 */

/** A waiting read that an abort of its signal rejects. */
export interface AbortWatcher {
  /** Called once, when the signal aborts. */
  onAbort(reason: unknown): void;
}

const watchers = new WeakMap<AbortSignal, Set<AbortWatcher>>();

/** Passes a signal's abort to its watchers. It is the one listener of every watched signal. */
function notifyWatchers(event: Event): void {
  const signal = event.target as AbortSignal;
  const watching = watchers.get(signal);
  if (watching === undefined) return;
  watchers.delete(signal);
  for (const watcher of [...watching]) watcher.onAbort(signal.reason);
}

/** Calls `watcher.onAbort` when `signal` aborts, unless unwatchAbort comes first. */
export function watchAbort(signal: AbortSignal, watcher: AbortWatcher): void {
  let watching = watchers.get(signal);
  if (watching === undefined) {
    watching = new Set();
    watchers.set(signal, watching);
    signal.addEventListener('abort', notifyWatchers, { once: true });
  }
  watching.add(watcher);
}

/** Stops watching. The signal loses its listener with its last watcher. */
export function unwatchAbort(signal: AbortSignal, watcher: AbortWatcher): void {
  const watching = watchers.get(signal);
  if (watching === undefined) return;
  watching.delete(watcher);
  if (watching.size === 0) {
    watchers.delete(signal);
    signal.removeEventListener('abort', notifyWatchers);
  }
}
