// The simulator's time and timers. Injectable (SimOptions.clock) so that tests advance time instead of
// waiting for it; `aapi sim` always runs on SYSTEM_CLOCK, the real time and timers of Node.

/** A pending timer, as the clock that made it knows it. */
export type Timer = object;

export interface Clock {
  /** Milliseconds, as Date.now. */
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(timer: Timer): void;
  /** A repeating timer that does not keep the process alive. */
  setInterval(fn: () => void, ms: number): Timer;
  clearInterval(timer: Timer): void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (timer) => clearInterval(timer as NodeJS.Timeout),
};
