/** Where the workflow reads the time: observation deadlines are compared with it. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that can be moved forward, for tests of observation timers (the server enables it only
 * when started with STEPWISE_TEST_CLOCK=1). Never moves backward.
 */
export class AdjustableClock implements Clock {
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }

  advance(ms: number): void {
    if (ms > 0) this.offset += ms;
  }
}
