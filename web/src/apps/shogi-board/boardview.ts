// The board section's reading half: a screenshot in, its grid shown with draggable corners,
// the 81 squares classified in the worker and handed, as they come, to where the position is
// shown (a ReadingSink: PositionView).
import { decodeBoard, locateGrid, squaresByRank } from './board';
import { type RgbaImage, pixelsOf } from '../../resample';
import type { Classifier } from '../../classifier';
import { type GridBox, yieldToBrowser } from './grid';
import { BLANK } from './labels';
import type { HandsRead } from './hands';
import { readHands } from './handsearch';
import { describe } from '../../errors';
import type { ImageResult, ModelInfo, Pixels, Prediction } from '../../protocol';

/** Squares whose best score is below this are marked for the user to check. */
export const DOUBTFUL_BELOW = 0.9;

/** One square as the model read it. */
export interface ReadSquare {
  /** The best guess; BLANK for a square that could not be classified. */
  label: string;
  /** The model's top predictions, best first (none when it could not be classified). */
  predictions: Prediction[];
  doubtful: boolean;
  /** Why the square could not be classified. */
  error?: string;
}

/** Where a reading goes. */
export interface ReadingSink {
  /** A reading starts: of a new screenshot, or of the same one with its grid moved. */
  begin(newScreenshot: boolean): void;
  square(square: number, read: ReadSquare): void;
  /** Every square is in, and the pieces in hand read from the screenshot (undefined when the
   * search for them failed). Throws if the squares are not a position. */
  end(handsSeen: HandsRead | undefined): void;
  /** Nothing read after all. */
  clear(): void;
}

interface Elements {
  view: HTMLElement;
  canvas: HTMLCanvasElement;
}

export class BoardView {
  private bitmap?: ImageBitmap;
  private pixels?: RgbaImage;
  private grid?: GridBox;
  private scale = 1;
  private run = 0;

  constructor(
    private readonly elements: Elements,
    private readonly sink: ReadingSink,
    private readonly classifier: Classifier,
    private readonly ready: Promise<ModelInfo>,
    private readonly report: (text: string, isError?: boolean) => void,
  ) {
    this.makeHandles();
  }

  /** Recognises a screenshot from scratch: decode, find the grid, classify. */
  async open(file: Blob): Promise<void> {
    const run = ++this.run;
    const started = performance.now();
    this.report('Reading the screenshot…');
    try {
      const bitmap = await decodeBoard(file);
      if (run !== this.run) return;
      this.bitmap?.close();
      this.bitmap = bitmap;
      this.pixels = pixelsOf(bitmap);
      this.draw(undefined);
      performance.measure('board-decode', { start: started });
      await yieldToBrowser(); // paint the screenshot before the grid search
      const gridStarted = performance.now();
      const grid = await locateGrid(this.pixels);
      if (run !== this.run) return;
      performance.measure('board-grid', { start: gridStarted });
      this.grid = grid;
      await this.recognise(run, true, started);
    } catch (error) {
      if (run === this.run) this.fail(error); // a newer screenshot has taken over otherwise
    }
  }

  /** Drops the screenshot, and any reading of it under way: the position shown came from
   * elsewhere (a link). */
  forget(): void {
    this.run++;
    this.bitmap?.close();
    this.bitmap = this.pixels = this.grid = undefined;
    this.elements.canvas.width = this.elements.canvas.height = 0;
    this.elements.view.classList.remove('has-grid');
  }

  /** Reads the squares and hands of the screenshot within its grid. For profilers and
   * benchmarks, performance measures time each step, `board` the whole from `started` (the
   * file given, or the grid moved) to the position shown. */
  private async recognise(run: number, newScreenshot: boolean, started = performance.now()): Promise<void> {
    const { pixels, grid } = this;
    if (!pixels || !grid) return;
    const info = await this.ready;
    if (run !== this.run) return;
    this.draw(grid);
    this.sink.begin(newScreenshot);
    let doubtful = 0;
    let classifyStarted = 0;
    let inferenceMs = 0; // the worker's own time on the batches
    const requests: Promise<unknown>[] = [];
    // Squares go to the worker a full batch at a time as they are cut: the model reads the
    // first ranks while the main thread cuts the next.
    const classify = (squares: Pixels[], first: number) => {
      classifyStarted ||= performance.now();
      const request = this.classifier.classify(squares, (batch) => {
        if (run !== this.run) return;
        inferenceMs += batch.milliseconds;
        batch.results.forEach((result, index) => {
          const read = readSquare(result);
          if (read.doubtful) doubtful++;
          this.sink.square(first + batch.offset + index, read);
        });
      });
      request.catch(() => undefined); // a failure is Promise.all's to report, once cutting ends
      requests.push(request);
    };
    const cutStarted = performance.now();
    let cut: Pixels[] = [];
    let sent = 0;
    // square squares: a model of another shape is told so by the worker
    for await (const rank of squaresByRank(pixels, grid, info.inputWidth)) {
      if (run !== this.run) return;
      cut.push(...rank);
      const whole = cut.length - (cut.length % info.batchSize);
      if (whole > 0) {
        classify(cut.slice(0, whole), sent);
        sent += whole;
        cut = cut.slice(whole);
      }
    }
    if (cut.length > 0) classify(cut, sent);
    performance.measure('board-cut', { start: cutStarted });
    // in a worker of its own, while the model reads the squares
    const hands = readHands(pixels, grid, info.inputWidth, (crops) => this.bestLabels(crops)).catch((error: unknown) => {
      console.warn('The pieces in hand could not be looked for:', error);
      return undefined;
    });
    await Promise.all(requests);
    if (run !== this.run) return;
    performance.measure('board-classify', { start: classifyStarted, detail: { inferenceMs } });
    const handsWaited = performance.now();
    const handsSeen: HandsRead | undefined = await hands;
    if (run !== this.run) return;
    performance.measure('board-hands-wait', { start: handsWaited });
    const shown = performance.now();
    this.sink.end(handsSeen);
    performance.measure('board-show', { start: shown });
    performance.measure('board', { start: started });
    const checks = doubtful ? `; ${doubtful} square(s) to check (marked)` : '';
    const inHand = handsSeen ? '' : ' The pieces in hand could not be looked for: set them below.';
    this.report(`Recognised in ${(performance.now() - started).toFixed(0)} ms${checks}.${inHand}`);
  }

  /** The model's best label and score for each image (BLANK, 0 for one it cannot read). */
  private async bestLabels(images: Pixels[]): Promise<{ label: string; score: number }[]> {
    const best: { label: string; score: number }[] = [];
    await this.classifier.classify(images, (batch) =>
      batch.results.forEach((result, index) => {
        best[batch.offset + index] = 'error' in result ? { label: BLANK, score: 0 } : result.predictions[0];
      }),
    );
    return best;
  }

  /** The screenshot, scaled to the view, with the grid drawn over it. */
  private draw(grid: GridBox | undefined): void {
    const { canvas, view } = this.elements;
    if (!this.bitmap) return;
    this.scale = Math.min(1, (view.clientWidth || 480) / this.bitmap.width);
    canvas.width = Math.round(this.bitmap.width * this.scale);
    canvas.height = Math.round(this.bitmap.height * this.scale);
    const context = canvas.getContext('2d');
    if (!context) return;
    context.drawImage(this.bitmap, 0, 0, canvas.width, canvas.height);
    view.classList.toggle('has-grid', Boolean(grid));
    if (!grid) return;
    context.strokeStyle = 'rgba(230, 40, 40, 0.8)';
    context.lineWidth = 1;
    for (let line = 0; line <= 9; line++) {
      const x = (grid.left + ((grid.right - grid.left) * line) / 9) * this.scale;
      const y = (grid.top + ((grid.bottom - grid.top) * line) / 9) * this.scale;
      context.beginPath();
      context.moveTo(x, grid.top * this.scale);
      context.lineTo(x, grid.bottom * this.scale);
      context.moveTo(grid.left * this.scale, y);
      context.lineTo(grid.right * this.scale, y);
      context.stroke();
    }
    this.placeHandles(grid);
  }

  private handles: HTMLElement[] = [];

  /** Four corners the user can drag when the grid was found a little off. */
  private makeHandles(): void {
    const corners: [keyof GridBox, keyof GridBox][] = [
      ['left', 'top'], ['right', 'top'], ['left', 'bottom'], ['right', 'bottom'],
    ];
    this.handles = corners.map(([horizontal, vertical]) => {
      const handle = document.createElement('div');
      handle.className = 'corner';
      handle.addEventListener('pointerdown', (down) => {
        handle.setPointerCapture(down.pointerId);
        const move = (event: PointerEvent) => {
          if (!this.grid) return;
          const bounds = this.elements.canvas.getBoundingClientRect();
          this.grid = {
            ...this.grid,
            [horizontal]: (event.clientX - bounds.left) / this.scale,
            [vertical]: (event.clientY - bounds.top) / this.scale,
          };
          this.draw(this.grid);
        };
        const up = () => {
          handle.removeEventListener('pointermove', move);
          const run = ++this.run;
          void this.recognise(run, false).catch((error: unknown) => {
            if (run === this.run) this.fail(error);
          });
        };
        handle.addEventListener('pointermove', move);
        handle.addEventListener('pointerup', up, { once: true });
      });
      return this.elements.view.appendChild(handle);
    });
  }

  private placeHandles(grid: GridBox): void {
    const points = [
      [grid.left, grid.top], [grid.right, grid.top], [grid.left, grid.bottom], [grid.right, grid.bottom],
    ];
    this.handles.forEach((handle, index) => {
      handle.style.left = `${points[index][0] * this.scale}px`;
      handle.style.top = `${points[index][1] * this.scale}px`;
    });
  }

  private fail(error: unknown): void {
    this.sink.clear();
    this.report(`No board recognised: ${describe(error)}`, true);
  }
}

function readSquare(result: ImageResult): ReadSquare {
  // a square the worker could not classify needs checking as much as a doubtful one
  if ('error' in result) return { label: BLANK, predictions: [], doubtful: true, error: result.error };
  const [best] = result.predictions;
  return { label: best.label, predictions: result.predictions, doubtful: best.score < DOUBTFUL_BELOW };
}
