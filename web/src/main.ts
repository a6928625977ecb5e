// The page: picks up images, shows them at once, fills in each result as its batch ends; and
// classifies what the camera sees, frame after frame. All inference happens in the worker
// behind `Classifier`; nothing here blocks for long.
import { type App, appName, loadApp } from './apps/apps';
import { Classifier, DEFAULT_TIMEOUT_MS } from './classifier';
import { followCamera } from './camera';
import { describe } from './errors';
import { acceptFiles } from './intake';
import { followBuilds } from './live';
import { showPredictions } from './predictions';
import type { BackendName, BatchResult, ImageResult, ModelInfo, RuntimeName } from './protocol';

/** What the site build publishes beside the page: which model to load. */
interface Manifest {
  /** The TF.js model's model.json. */
  model: string;
  /** The TFLite models, by batch size. */
  tflite: Record<string, string>;
  /** What runs the model unless `?runtime=` says otherwise. */
  runtime: RuntimeName;
  batchSize: number;
  labels: string[];
  /** The app shown above the generic classifier: a name under web/src/apps, "auto", "none". */
  app: string;
}

const BACKENDS: BackendName[] = ['wasm', 'cpu', 'webgl'];
const RUNTIMES: Record<RuntimeName, string> = { tfjs: 'TF.js', litert: 'LiteRT.js' };

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
const manifest = fetchManifest();
const ready = start();
let app: App | undefined;
void startApp();

function metaContent(name: string): string {
  return document.querySelector<HTMLMetaElement>(`meta[name=${name}]`)?.content ?? '';
}

async function fetchManifest(): Promise<Manifest> {
  const response = await fetch('manifest.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`manifest.json: HTTP ${response.status}`);
  return (await response.json()) as Manifest;
}

async function start(): Promise<ModelInfo> {
  try {
    const { model, tflite, runtime, batchSize, labels } = await manifest;
    const requested = parameters.get('backend') as BackendName | null;
    const requestedRuntime = parameters.get('runtime') as RuntimeName | null;
    // Absolute URLs: the worker runs from a blob: URL, against which relative ones fail.
    const absolute = (url: string) => new URL(url, location.href).href;
    const info = await classifier.load(
      {
        runtime: requestedRuntime && requestedRuntime in RUNTIMES ? requestedRuntime : runtime,
        modelUrl: absolute(model),
        tfliteUrls: Object.fromEntries(Object.entries(tflite).map(([batch, url]) => [batch, absolute(url)])),
        labels,
        wasmPath: absolute(metaContent('wasm-path')),
        litertPath: absolute(metaContent('litert-path')),
        publicPath: absolute('./'),
        // `?batch=N` and `?threads=N` override the build's batch and the worker's thread count.
        batchSize: countParameter('batch') ?? batchSize,
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
    status.textContent = `The model could not be loaded: ${describe(error)}`;
    throw error;
  }
}

/** The app the build asks for, or the one the model's labels fit, in its own section. */
async function startApp(): Promise<void> {
  const host = element('app');
  try {
    const { app: setting, labels } = await manifest;
    const name = appName(setting, labels);
    if (!name) return;
    host.hidden = false;
    const samplesUrl = new URL(`${metaContent('samples-path')}${name}/`, location.href).href;
    app = (await loadApp(name)).start({ host, classifier, ready, samplesUrl });
  } catch (error) {
    host.classList.add('error');
    host.textContent = `The page's app could not start: ${describe(error)}`;
  }
}

function showModel(info: ModelInfo): void {
  status.dataset.state = 'ready';
  status.textContent = 'Ready: pick, drop or paste images.';
  const runtime = element<HTMLElement>('model-runtime');
  runtime.dataset.runtime = info.runtime;
  runtime.textContent = RUNTIMES[info.runtime];
  const backend = element<HTMLElement>('model-backend');
  backend.dataset.backend = info.backend;
  backend.textContent = info.features ? `${info.backend} (${info.features})` : info.backend;
  element('model-load-time').textContent = `${info.loadMs.toFixed(0)} ms`;
  const warmed = info.warmupImages === 1 ? 'one image' : `batch of ${info.warmupImages}`;
  element('model-warmup-time').textContent = `${info.warmupMs.toFixed(0)} ms (${warmed})`;
  element('model-batch').textContent = `${info.batchSize} images`;
  element('model-classes').textContent = info.labels.join(' ');
}

async function classifyFiles(files: File[]): Promise<void> {
  const images = files.filter((file) => file.type.startsWith('image/') || file.type === '');
  if (images.length === 0) return;
  // Every image shows up straight away; its result arrives with its batch.
  const items = images.map((file) => results.appendChild(pendingItem(file)));
  const batchTimes: string[] = [];
  try {
    const info = await ready;
    const started = performance.now();
    const outcome = await classifier.classify(images, (batch: BatchResult) => {
      const threads = batch.threads > 1 ? `${batch.threads} threads` : 'one thread';
      batchTimes.push(`${batch.milliseconds.toFixed(0)} ms (${threads})`);
      batch.results.forEach((result, index) => showResult(items[batch.offset + index], result));
    });
    const total = performance.now() - started;
    requestTimes.dataset.tensors = String(outcome.tensors);
    requestTimes.dataset.baselineTensors = String(info.baselineTensors);
    requestTimes.textContent =
      `${images.length} image(s) in ${total.toFixed(0)} ms; batches: ` +
      batchTimes.join(', ') +
      `; tensors ${outcome.tensors} (baseline ${info.baselineTensors})`;
  } catch (error) {
    for (const item of items) {
      if (item.dataset.state === 'pending') showResult(item, { error: describe(error) });
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
  showPredictions(list, result.predictions);
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

acceptFiles(picker, dropZone, (files) => void classifyFiles(files));
followCamera(
  {
    button: element<HTMLButtonElement>('camera-start'),
    video: element<HTMLVideoElement>('camera-video'),
    predictions: element<HTMLOListElement>('camera-results'),
    status: element('camera-status'),
  },
  classifier,
);
// A pasted image goes to the app if there is one (a board screenshot, say), else is classified.
document.addEventListener('paste', (event) => {
  const files = [...(event.clipboardData?.files ?? [])];
  if (app && files[0]) app.paste(files[0]);
  else void classifyFiles(files);
});
