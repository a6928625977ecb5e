// The page's one handle on the worker: requests become promises, and a crashed worker is
// replaced without the UI having to know.
import ClassifierWorker from './classifier.worker?worker';
import type { BatchResult, ImageInput, LoadOptions, ModelInfo, PageMessage, WorkerMessage } from './protocol';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onProgress?(fraction: number): void;
  onBatch?(batch: BatchResult): void;
}

export interface ClassifyResult {
  /** Live tensors in the worker after the request: equal to ModelInfo.baselineTensors. */
  tensors: number;
}

/** Crashes in a row, without a model loaded in between, after which the worker stays down. */
const MAX_RESTARTS = 3;
/** Silence while requests are pending that counts as a hung worker (a batch on the slowest
 * backend takes seconds, a model download with progress events a few more). */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** What of `image` can move to the worker rather than be copied (a Blob is shared anyway). */
function transferable(image: ImageInput): Transferable[] {
  if (image instanceof Blob) return [];
  if (image instanceof ImageBitmap) return [image];
  return [image.rgb.buffer];
}

export class Classifier {
  private worker: Worker;
  private restarts = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private options?: LoadOptions;
  private loading?: Promise<ModelInfo>;
  private lastHeard = performance.now();

  constructor(private readonly timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.worker = this.startWorker();
    setInterval(() => this.checkResponsive(), Math.min(1000, timeoutMs / 4));
  }

  /** Loads (or reloads) the model; resolves once it has warmed up. */
  load(options: LoadOptions, onProgress?: (fraction: number) => void): Promise<ModelInfo> {
    this.options = options;
    this.loading = this.startLoading(options, onProgress);
    return this.loading;
  }

  /** Classifies images in the worker's fixed batches; `onBatch` sees each batch as it ends. */
  async classify(images: ImageInput[], onBatch?: (batch: BatchResult) => void): Promise<ClassifyResult> {
    if (!this.loading) throw new Error('load the model first');
    await this.loading;
    // Pixel buffers and frames move to the worker instead of being copied; the caller gives
    // them up.
    const transfer = images.flatMap(transferable);
    return this.request<ClassifyResult>({ kind: 'classify', id: 0, images }, { onBatch }, transfer);
  }

  private async startLoading(options: LoadOptions, onProgress?: (fraction: number) => void): Promise<ModelInfo> {
    const info = await this.request<ModelInfo>({ kind: 'load', id: 0, options }, { onProgress });
    this.restarts = 0;
    return info;
  }

  private request<T>(
    message: PageMessage,
    handlers: Omit<Pending, 'resolve' | 'reject'>,
    transfer: Transferable[] = [],
  ): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (this.pending.size === 0) this.lastHeard = performance.now(); // idle time is not silence
      this.pending.set(id, { ...handlers, resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  private startWorker(): Worker {
    const worker = new ClassifierWorker();
    worker.addEventListener('message', (event: MessageEvent<WorkerMessage>) => this.receive(event.data));
    worker.addEventListener('error', (event: ErrorEvent) => this.restart(event.message || 'the worker crashed'));
    return worker;
  }

  private checkResponsive(): void {
    const silentMs = performance.now() - this.lastHeard;
    if (this.pending.size > 0 && silentMs > this.timeoutMs) {
      this.restart(`no answer for ${(silentMs / 1000).toFixed(0)} s`);
    }
  }

  private receive(message: WorkerMessage): void {
    this.lastHeard = performance.now();
    const pending = this.pending.get(message.id);
    if (!pending) return;
    switch (message.kind) {
      case 'progress':
        pending.onProgress?.(message.fraction);
        return;
      case 'batch':
        pending.onBatch?.(message.batch);
        return;
      case 'loaded':
        this.pending.delete(message.id);
        pending.resolve(message.info);
        return;
      case 'done':
        this.pending.delete(message.id);
        pending.resolve({ tensors: message.tensors });
        return;
      case 'failed':
        this.pending.delete(message.id);
        pending.reject(new Error(message.message));
        return;
    }
  }

  /** Rejects everything in flight, then brings up a fresh worker with the same model. */
  private restart(reason: string): void {
    this.worker.terminate();
    this.lastHeard = performance.now();
    const failed = [...this.pending.values()];
    this.pending.clear();
    for (const pending of failed) pending.reject(new Error(`classifier worker failed: ${reason}`));
    this.restarts += 1;
    if (this.restarts > MAX_RESTARTS) {
      // A worker that dies while loading would otherwise be restarted forever.
      this.loading = Promise.reject(new Error(`classifier worker keeps failing: ${reason}`));
    } else {
      this.worker = this.startWorker();
      if (this.options) this.loading = this.startLoading(this.options);
    }
    this.loading?.catch(() => undefined); // reported to whoever awaits it next
  }
}
