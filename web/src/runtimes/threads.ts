// Which thread count runs each batch, from how fast each has been running: LiteRT.js keeps a
// model compiled for each count it tries (web/src/runtimes/litert.ts).

import { median } from '../statistics';

// Every this many full batches, one runs on a thread count not in favour, so that its time
// stays current.
const RETRY_EVERY = 8;
// The weight of a batch's time in the moving average of the thread count in favour; a retried
// count's time is the retry's alone, its older times being out of date.
const NEWEST_WEIGHT = 0.3;

/** Which thread count runs the next full batch: the one with the lowest moving average of
 * its batches' times, but every RETRY_EVERY-th batch another in turn. Give each batch's time
 * to `record`. */
export class ThreadChoice {
  private readonly averageMs = new Map<number, number>();
  private batches = 0;
  /** What the page says of the warm-up's trial ('' when there was nothing to choose from). */
  readonly trial: string;

  constructor(times: Map<number, number[]>) {
    for (const [count, samples] of times) this.averageMs.set(count, median(samples));
    const tried = [...this.averageMs].map(([count, ms]) => `${count} ${count > 1 ? 'threads' : 'thread'} ${ms.toFixed(0)} ms`);
    this.trial = times.size > 1 ? ` (a batch at warm-up: ${tried.join(', ')})` : '';
  }

  best(): number {
    return [...this.averageMs].sort(([, a], [, b]) => a - b)[0][0];
  }

  next(): number {
    this.batches += 1;
    const counts = [...this.averageMs.keys()];
    if (counts.length === 1 || this.batches % RETRY_EVERY !== 0) return this.best();
    const others = counts.filter((count) => count !== this.best());
    return others[(this.batches / RETRY_EVERY) % others.length];
  }

  record(count: number, milliseconds: number): void {
    const average = count === this.best() ? this.averageMs.get(count) ?? milliseconds : milliseconds;
    this.averageMs.set(count, average + NEWEST_WEIGHT * (milliseconds - average));
  }
}
