// The page: picks up images, shows them at once, fills in each result as its batch ends.
// All inference happens in the worker behind `Classifier`; nothing here blocks for long.
import { BoardView } from './boardview';
import { Classifier, DEFAULT_TIMEOUT_MS } from './classifier';
import { followBuilds } from './live';
import type { BackendName, BatchResult, ImageResult, ModelInfo } from './protocol';

/** What the site build publishes beside the page: which model to load. */
interface Manifest {
  model: string;
  batchSize: number;
}

const BACKENDS: BackendName[] = ['wasm', 'cpu', 'webgl'];

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

const status = element<HTMLParagraphElement>('model-status');
const progress = element<HTMLProgressElement>('model-progress');
const results = element<HTMLUListElement>('results');
const requestTimes = element<HTMLElement>('request-times');
const dropZone = element<HTMLElement>('drop-zone');
const picker = dropZone.querySelector<HTMLInputElement>('input[type=file]');

const parameters = new URLSearchParams(location.search);
// `?timeout=MS`: how long the worker may stay silent before it is replaced.
const timeout = Number(parameters.get('timeout')) || DEFAULT_TIMEOUT_MS;

/** `?NAME=N` as a whole number from 1 to 1024, or undefined (absent or out of range). */
function countParameter(name: string): number | undefined {
  const value = Number(parameters.get(name) ?? NaN);
  return Number.isInteger(value) && value >= 1 && value <= 1024 ? value : undefined;
}

const classifier = new Classifier(timeout);
const ready = start();

async function start(): Promise<ModelInfo> {
  try {
    const response = await fetch('manifest.json', { cache: 'no-store' });
    if (!response.ok) throw new Error(`manifest.json: HTTP ${response.status}`);
    const manifest = (await response.json()) as Manifest;
    const wasmPath = document.querySelector<HTMLMetaElement>('meta[name=wasm-path]')?.content ?? '';
    const requested = parameters.get('backend') as BackendName | null;
    const info = await classifier.load(
      {
        // Absolute URLs: the worker runs from a blob: URL, against which relative ones fail.
        modelUrl: new URL(manifest.model, location.href).href,
        wasmPath: new URL(wasmPath, location.href).href,
        publicPath: new URL('./', location.href).href,
        // `?batch=N` and `?threads=N` override the build's batch and the worker's thread count.
        batchSize: countParameter('batch') ?? manifest.batchSize,
        backend: requested && BACKENDS.includes(requested) ? requested : undefined,
        threads: countParameter('threads'),
      },
      (fraction) => (progress.value = fraction),
    );
    showModel(info);
    // For profilers and benchmarks: the mark's time is the time since navigation.
    performance.mark('model-ready', { detail: info });
    return info;
  } catch (error) {
    status.dataset.state = 'failed';
    status.textContent = `The model could not be loaded: ${message(error)}`;
    throw error;
  }
}

function showModel(info: ModelInfo): void {
  status.dataset.state = 'ready';
  status.textContent = 'Ready: pick, drop or paste images.';
  const backend = element<HTMLElement>('model-backend');
  backend.dataset.backend = info.backend;
  backend.textContent = info.features ? `${info.backend} (${info.features})` : info.backend;
  element('model-load-time').textContent = `${info.loadMs.toFixed(0)} ms`;
  element('model-warmup-time').textContent = `${info.warmupMs.toFixed(0)} ms (batch of ${info.batchSize})`;
  element('model-classes').textContent = info.labels.join(' ');
}

async function classifyFiles(files: File[]): Promise<void> {
  const images = files.filter((file) => file.type.startsWith('image/') || file.type === '');
  if (images.length === 0) return;
  // Every image shows up straight away; its result arrives with its batch.
  const items = images.map((file) => results.appendChild(pendingItem(file)));
  const batchTimes: number[] = [];
  try {
    const info = await ready;
    const started = performance.now();
    const outcome = await classifier.classify(images, (batch: BatchResult) => {
      batchTimes.push(batch.milliseconds);
      batch.results.forEach((result, index) => showResult(items[batch.offset + index], result));
    });
    const total = performance.now() - started;
    requestTimes.dataset.tensors = String(outcome.tensors);
    requestTimes.dataset.baselineTensors = String(info.baselineTensors);
    requestTimes.textContent =
      `${images.length} image(s) in ${total.toFixed(0)} ms; batches: ` +
      batchTimes.map((time) => `${time.toFixed(0)} ms`).join(', ') +
      `; tensors ${outcome.tensors} (baseline ${info.baselineTensors})`;
  } catch (error) {
    for (const item of items) {
      if (item.dataset.state === 'pending') showResult(item, { error: message(error) });
    }
  }
}

function pendingItem(file: File): HTMLLIElement {
  const item = document.createElement('li');
  item.dataset.state = 'pending';
  const image = document.createElement('img');
  image.src = URL.createObjectURL(file);
  image.alt = file.name;
  image.addEventListener('load', () => URL.revokeObjectURL(image.src), { once: true });
  const name = document.createElement('div');
  name.textContent = file.name;
  const list = document.createElement('ol');
  list.textContent = '…';
  item.append(image, name, list);
  return item;
}

function showResult(item: HTMLLIElement, result: ImageResult): void {
  const list = item.querySelector('ol');
  if (!list) return;
  list.replaceChildren();
  if ('error' in result) {
    item.dataset.state = 'failed';
    list.classList.add('error');
    list.textContent = result.error;
    return;
  }
  item.dataset.state = 'done';
  item.dataset.label = result.predictions[0]?.label ?? '';
  for (const prediction of result.predictions) {
    const entry = document.createElement('li');
    entry.dataset.label = prediction.label;
    entry.textContent = `${prediction.label} ${(prediction.score * 100).toFixed(1)} %`;
    list.appendChild(entry);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const buildStatus = element<HTMLElement>('build-status');
followBuilds({
  published: () => location.reload(),
  failed: (report) => {
    buildStatus.hidden = false;
    element('build-report').textContent = report;
  },
  succeeded: () => (buildStatus.hidden = true),
});

/** Hands the files picked with `picker` or dropped on `target` to `receive`. */
function acceptFiles(picker: HTMLInputElement | null, target: HTMLElement, receive: (files: File[]) => void): void {
  picker?.addEventListener('change', () => {
    receive([...(picker.files ?? [])]);
    picker.value = '';
  });
  target.addEventListener('dragover', (event) => {
    event.preventDefault();
    target.classList.add('over');
  });
  target.addEventListener('dragleave', () => target.classList.remove('over'));
  target.addEventListener('drop', (event) => {
    event.preventDefault();
    target.classList.remove('over');
    receive([...(event.dataTransfer?.files ?? [])]);
  });
}

acceptFiles(picker, dropZone, (files) => void classifyFiles(files));
const boardView = new BoardView(
  {
    view: element('screenshot-view'),
    canvas: element<HTMLCanvasElement>('screenshot'),
    diagram: element('board-diagram'),
    sfen: element<HTMLOutputElement>('sfen'),
    copy: element<HTMLButtonElement>('copy-sfen'),
    status: element('board-status'),
  },
  classifier,
  ready,
);
acceptFiles(
  document.querySelector<HTMLInputElement>('input[name=board]'),
  element('screenshot-view'),
  ([file]) => {
    if (file) void boardView.open(file);
  },
);
// A pasted image is most likely a screenshot of a board.
document.addEventListener('paste', (event) => {
  const [file] = event.clipboardData?.files ?? [];
  if (file) void boardView.open(file);
});

interface Sample {
  file: string;
  sfen: string;
}

async function showSamples(): Promise<void> {
  const base = document.querySelector<HTMLMetaElement>('meta[name=samples-path]')?.content ?? '';
  const response = await fetch(`${base}samples.json`);
  if (!response.ok) return;
  for (const sample of (await response.json()) as Sample[]) {
    const button = document.createElement('button');
    const image = document.createElement('img');
    image.src = base + sample.file;
    image.alt = `sample board ${sample.sfen}`;
    button.title = sample.sfen;
    button.appendChild(image);
    button.addEventListener('click', async () => {
      const picture = await fetch(base + sample.file);
      void boardView.open(await picture.blob());
    });
    element('samples').appendChild(button);
  }
}
void showSamples();
