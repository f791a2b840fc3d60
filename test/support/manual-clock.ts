import type { Clock } from '../../src/shared/clock.js';

/** A clock that only moves when told to, so expiry is tested without sleeping. */
export class ManualClock implements Clock {
  #millis: number;

  constructor(start = Date.UTC(2030, 0, 1)) {
    this.#millis = start;
  }

  now(): Date {
    return new Date(this.#millis);
  }

  /** Puts the clock at an instant, earlier ones too: a file whose tests each start at the present. */
  setTo(millis: number): void {
    this.#millis = millis;
  }

  advance(seconds: number): void {
    this.#millis += seconds * 1000;
  }
}
