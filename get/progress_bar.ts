/**
 * @module progress_bar — redraws one status line on a terminal with `\r`, at
 * most every {@link ProgressBarOptions.intervalMs}. The writer and clock are
 * passed in, so tests need no terminal.
 */
import { formatProgress, type ProgressView } from "./progress_format.ts";
import { RateMeter } from "./rate_meter.ts";

/** One progress report: byte counts, with the peer/source split when known. */
export type ProgressUpdate = Omit<ProgressView, "rate">;

/** Something that receives progress; a no-op when no bar is shown. */
export interface ProgressSink {
  /** True when something is drawn (worth extra work such as polling the agent). */
  readonly visible: boolean;
  update(progress: ProgressUpdate): void;
  /** Erases the bar so the next line starts clean. */
  clear(): void;
}

/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Writes raw text to the terminal. */
  write(text: string): void;
  /** Milliseconds, monotonic. */
  now(): number;
  /** Smallest time between two redraws (default 100 ms, i.e. 10 per second). */
  intervalMs?: number;
  /** Terminal width in columns; the line is cut to fit (default 80). */
  columns?: number;
}

/** A progress sink that draws nothing (no terminal, `--no-progress`, `--json`). */
export const NO_PROGRESS: ProgressSink = { visible: false, update() {}, clear() {} };

/** A throttled single-line progress bar. */
export class ProgressBar implements ProgressSink {
  readonly visible = true;
  readonly #write: (text: string) => void;
  readonly #now: () => number;
  readonly #intervalMs: number;
  readonly #columns: number;
  readonly #meter = new RateMeter();
  #lastDraw = -Infinity;
  #drawn = false;

  constructor(options: ProgressBarOptions) {
    const { intervalMs = 100, columns = 80 } = options;
    this.#write = options.write;
    this.#now = options.now;
    this.#intervalMs = intervalMs;
    this.#columns = Math.max(20, columns);
  }

  update(progress: ProgressUpdate): void {
    const now = this.#now();
    this.#meter.add(now, progress.bytes);
    if (now - this.#lastDraw < this.#intervalMs) return;
    this.#lastDraw = now;
    const line = formatProgress({ ...progress, rate: this.#meter.rate() }, this.#columns)
      .slice(0, this.#columns - 1);
    // \r back to column 0, then erase to the end of the line: a shorter line leaves no debris.
    this.#write(`\r${line}\x1b[K`);
    this.#drawn = true;
  }

  clear(): void {
    if (this.#drawn) this.#write("\r\x1b[K");
    this.#drawn = false;
  }
}
