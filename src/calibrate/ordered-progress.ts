/**
 * Progress lines in the order of the work they describe, while the work runs out of order: a day's γ search may
 * still run (on worker threads) while the next day is read, but its lines must come before the next day's. Each
 * stretch of work writes into a lane; a lane's lines go out as soon as every earlier lane is closed, so the
 * output is the one a strictly day-after-day run prints.
 */
export interface ProgressLane {
  write(line: string): void;
  /** No more lines from this lane: the next lane's lines may go out. */
  close(): void;
}

export class OrderedProgress {
  private readonly lanes: { lines: string[]; closed: boolean }[] = [];
  private head = 0;

  constructor(private readonly out: (line: string) => void) {}

  /** A new lane, after every lane opened before it. */
  open(): ProgressLane {
    const lane = { lines: [] as string[], closed: false };
    const index = this.lanes.push(lane) - 1;
    return {
      write: (line) => {
        if (index === this.head) this.out(line);
        else lane.lines.push(line);
      },
      close: () => {
        lane.closed = true;
        this.advance();
      },
    };
  }

  private advance(): void {
    while (this.head < this.lanes.length && (this.lanes[this.head] as { closed: boolean }).closed) {
      this.head++;
      const next = this.lanes[this.head];
      if (next === undefined) break;
      for (const line of next.lines) this.out(line);
      next.lines = [];
    }
  }
}
