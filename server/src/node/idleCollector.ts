/**
 * Gives the analysis worker's garbage back once the server is quiet.
 *
 * Each keystroke's re-check replaces the analyses of the policies after the edit; the replaced ones live until the
 * next edit, so they are promoted to V8's old generation before they die. V8 collects that generation only when it
 * reaches a limit it raises with the heap, and Node runs no idle-time collection: at 10,000 policies the worker's
 * heap swung between 130 and 450 MB over a few hundred edits while what it held stayed at about 105 MB. So once the
 * worker has had no message and no work of its own for `quietMs`, and its heap (what it has committed, used or
 * not) has grown well past what the last collection left, it runs one full collection (as tsserver does when it may).
 * A collection takes a few tens of milliseconds at 1,000 policies and a few hundred at 10,000; it never runs while a
 * check, a warm-up or a request is in progress, and a message that arrives restarts the wait.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { Disposable, Message, MessageReader, MessageWriter } from 'vscode-languageserver/node';

/**
 * V8's full collection, compacting, or undefined where it cannot be had (the collector then does nothing).
 *
 * A plain full collection frees objects but keeps the pages they were on: V8 compacts only the pages it picks, so at
 * 10,000 policies the worker's heap stayed committed at ~170 MB for ~105 MB live, and the process kept that resident.
 * With compaction forced for this one collection the live objects move to fewer pages and the rest are given back
 * (a probe: 224 → 104 MB committed, RSS 275 → 153 MB; about twice the collection's time). The flag is V8's and
 * process-wide; it is set for this collection only.
 */
export function fullCollection(): (() => void) | undefined {
  const own = (globalThis as { gc?: unknown }).gc;
  let gc: unknown = own;
  try {
    if (typeof gc !== 'function') {
      // The flag exposes `gc` to contexts created while it is set: one new context, then the flag is reset.
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc');
      v8.setFlagsFromString('--no-expose-gc');
    }
  } catch {
    return undefined;
  }
  if (typeof gc !== 'function') return undefined;
  const collect = gc as () => void;
  return () => {
    v8.setFlagsFromString('--compact-on-every-full-gc');
    try {
      collect();
    } finally {
      v8.setFlagsFromString('--no-compact-on-every-full-gc');
    }
  };
}

export interface IdleCollectorOptions {
  /** How long the worker must have been quiet. */
  quietMs: number;
  /** Collect only when the heap holds this much more than the last collection left (bytes)… */
  minGrowthBytes: number;
  /** …and this fraction more. */
  minGrowthRatio: number;
}

export const DEFAULT_IDLE_COLLECTOR: IdleCollectorOptions = { quietMs: 1000, minGrowthBytes: 32 * 1024 * 1024, minGrowthRatio: 0.25 };

export class IdleCollector {
  private timer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<number | string>();
  /** The heap's committed size after the last collection (0 before the first). */
  private sizeAfter = 0;
  private disposed = false;
  /** Collections run, and the time they took (for the bench and the tests). */
  readonly stats = { collections: 0, totalMs: 0, lastMs: 0 };

  constructor(
    private readonly collect: (() => void) | undefined,
    /** True while the worker has work of its own in progress (a check, a warm-up, an access map). */
    private readonly busy: () => boolean,
    private readonly options: IdleCollectorOptions = DEFAULT_IDLE_COLLECTOR,
    /**
     * What the heap holds from the process: its committed size. Not the used size: V8's own collections during the
     * edits free the garbage but keep its pages, so the used size can look settled while the process holds far more.
     */
    private readonly heapSize: () => number = () => v8.getHeapStatistics().total_heap_size,
  ) {}

  /** Something happened (a message, the end of some work): the quiet period starts again. */
  touch(): void {
    if (!this.collect || this.disposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.maybeCollect(), this.options.quietMs);
    this.timer.unref();
  }

  /** A message from the client: a request stays in progress until its response is written. */
  received(m: Message): void {
    const r = m as { id?: unknown; method?: unknown };
    if (typeof r.method === 'string' && (typeof r.id === 'number' || typeof r.id === 'string')) this.inflight.add(r.id);
    this.touch();
  }

  /** A message to the client: a response ends its request. */
  sent(m: Message): void {
    const r = m as { id?: unknown; method?: unknown };
    if (r.method === undefined && (typeof r.id === 'number' || typeof r.id === 'string')) this.inflight.delete(r.id);
    this.touch();
  }

  private maybeCollect(): void {
    this.timer = undefined;
    if (!this.collect || this.disposed) return;
    if (this.inflight.size > 0 || this.busy()) return this.touch();
    const size = this.heapSize();
    if (size - this.sizeAfter < this.options.minGrowthBytes || size < this.sizeAfter * (1 + this.options.minGrowthRatio)) return;
    const t = performance.now();
    this.collect();
    this.stats.lastMs = performance.now() - t;
    this.stats.totalMs += this.stats.lastMs;
    this.stats.collections++;
    this.sizeAfter = this.heapSize();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
  }

  /** The reader and writer of the worker's connection, seen by the collector. */
  watch(reader: MessageReader, writer: MessageWriter): { reader: MessageReader; writer: MessageWriter } {
    const self = this;
    const watchedReader: MessageReader = {
      onError: reader.onError,
      onClose: reader.onClose,
      onPartialMessage: reader.onPartialMessage,
      listen(callback): Disposable {
        return reader.listen((m) => {
          self.received(m);
          callback(m);
        });
      },
      dispose: () => reader.dispose(),
    };
    const watchedWriter: MessageWriter = {
      onError: writer.onError,
      onClose: writer.onClose,
      write(m) {
        self.sent(m);
        return writer.write(m);
      },
      end: () => writer.end(),
      dispose: () => writer.dispose(),
    };
    return { reader: watchedReader, writer: watchedWriter };
  }
}
