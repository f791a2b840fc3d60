import type { Clock } from '../../src/shared/clock.js';

export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(date: Date): void;
}

/** A clock that moves only when the test says so. */
export function manualClock(start = new Date('2026-11-27T10:00:00.000Z')): ManualClock {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
    set(date) {
      now = date.getTime();
    },
  };
}
