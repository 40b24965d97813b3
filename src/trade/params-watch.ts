import { type FSWatcher, readFileSync, statSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isUserError } from '../core/errors.ts';
import { type LoadedParams, loadParamsFile } from '../model/params-file.ts';

/**
 * The calibration file the bot trades with, hot-reloaded. `hlmm calibrate` (or the bot's daily re-calibration)
 * rewrites the file; the watcher notices through fs.watch on its folder (a rename-into-place replaces the inode,
 * which a watch on the file itself would miss) and, because fs.watch is not reliable on every file system
 * (network mounts, some containers), also polls the file's mtime/size every `pollMs`.
 *
 * A file that fails validation (bad JSON, a missing or non-positive value, σ in the wrong unit, another ticker)
 * is refused with one log line and the last good parameters stay in force; with none, the bot does not quote.
 */
export interface ParamsWatchOptions {
  file: string;
  ticker: string;
  onAccept: (loaded: LoadedParams) => void;
  onRefuse: (reason: string) => void;
  pollMs?: number;
  /**
   * The bot's lot (one order size, base units). γ is per lot (q is in lots), so a file calibrated with another lot
   * is rescaled to keep the inventory risk per base unit (see loadParamsFile); the loaded `notes` say so.
   */
  orderSizeBase?: number;
}

export class ParamsWatcher {
  current: LoadedParams | null = null;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastSig = '';
  private lastText: string | null = null;
  private debounce: NodeJS.Timeout | null = null;

  constructor(private readonly opts: ParamsWatchOptions) {}

  /** Loads the file now; true when it gave good parameters. */
  reload(): boolean {
    this.lastSig = this.signature();
    let text: string | null = null;
    try {
      text = readFileSync(this.opts.file, 'utf8');
    } catch {
      // loadParamsFile below says what is wrong with the path.
    }
    if (text !== null && text === this.lastText) return this.current !== null;
    this.lastText = text;
    try {
      const loaded = loadParamsFile(this.opts.file, { orderSizeBase: this.opts.orderSizeBase });
      if (loaded.ticker !== this.opts.ticker) {
        throw new Error(
          `${this.opts.file}: parameters are for ${loaded.ticker}, not ${this.opts.ticker}; pass the right --params file.`,
        );
      }
      this.current = loaded;
      this.opts.onAccept(loaded);
      return true;
    } catch (err) {
      const reason = isUserError(err) || err instanceof Error ? err.message : String(err);
      this.opts.onRefuse(reason);
      return false;
    }
  }

  start(): void {
    try {
      this.watcher = watch(dirname(this.opts.file), (_event, name) => {
        if (name !== null && name !== basename(this.opts.file)) return;
        // Writers often truncate then write: wait for the burst to end.
        if (this.debounce) clearTimeout(this.debounce);
        this.debounce = setTimeout(() => this.checkChanged(), 50);
        this.debounce.unref();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = null;
      });
      this.watcher.unref();
    } catch {
      this.watcher = null; // the poll below still works
    }
    this.timer = setInterval(() => this.checkChanged(), this.opts.pollMs ?? 2_000);
    this.timer.unref();
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.timer = null;
  }

  private checkChanged(): void {
    if (this.signature() !== this.lastSig) this.reload();
  }

  private signature(): string {
    try {
      const s = statSync(this.opts.file);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return 'missing';
    }
  }
}
