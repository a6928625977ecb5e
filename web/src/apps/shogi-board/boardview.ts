// The board section: a screenshot in, its grid shown with draggable corners, the 81
// squares classified in the worker, a board diagram and the SFEN out.
import { cutSquares, decodeBoard, locateGrid, sfenBoard } from './board';
import { type RgbaImage, pixelsOf } from '../../resample';
import type { Classifier } from '../../classifier';
import { type GridBox, yieldToBrowser } from './grid';
import { BLANK } from './labels';
import { describe } from '../../errors';
import type { ImageResult, ModelInfo, Prediction } from '../../protocol';

/** Squares whose best score is below this are marked for the user to check. */
export const DOUBTFUL_BELOW = 0.9;

const PIECES: Record<string, string> = {
  FU: '歩', KY: '香', KE: '桂', GI: '銀', KI: '金', KA: '角', HI: '飛', OU: '玉',
  TO: 'と', NY: '杏', NK: '圭', NG: '全', UM: '馬', RY: '龍',
};

interface Elements {
  view: HTMLElement;
  canvas: HTMLCanvasElement;
  diagram: HTMLElement;
  sfen: HTMLOutputElement;
  copy: HTMLButtonElement;
  status: HTMLElement;
}

export class BoardView {
  private bitmap?: ImageBitmap;
  private pixels?: RgbaImage;
  private grid?: GridBox;
  private scale = 1;
  private run = 0;
  private readonly cells: HTMLElement[] = [];

  constructor(
    private readonly elements: Elements,
    private readonly classifier: Classifier,
    private readonly ready: Promise<ModelInfo>,
  ) {
    for (let index = 0; index < 81; index++) {
      const cell = document.createElement('div');
      cell.className = 'cell';
      // hover shows the title; a tap (no hover on touch screens) shows it below the board
      cell.addEventListener('click', () => {
        if (cell.title) this.report(`${squareName(index)}: ${cell.title.replaceAll('\n', ', ')}`);
      });
      this.cells.push(elements.diagram.appendChild(cell));
    }
    elements.copy.addEventListener('click', () => void navigator.clipboard.writeText(elements.sfen.value));
    this.makeHandles();
  }

  /** Recognises a screenshot from scratch: decode, find the grid, classify. */
  async open(file: Blob): Promise<void> {
    const run = ++this.run;
    this.report('Reading the screenshot…');
    try {
      const bitmap = await decodeBoard(file);
      if (run !== this.run) return;
      this.bitmap?.close();
      this.bitmap = bitmap;
      this.pixels = pixelsOf(bitmap);
      this.draw(undefined);
      await yieldToBrowser(); // paint the screenshot before the grid search
      const grid = await locateGrid(this.pixels);
      if (run !== this.run) return;
      this.grid = grid;
      await this.recognise(run);
    } catch (error) {
      if (run === this.run) this.fail(error); // a newer screenshot has taken over otherwise
    }
  }

  private async recognise(run: number): Promise<void> {
    const { pixels, grid } = this;
    if (!pixels || !grid) return;
    const info = await this.ready;
    this.draw(grid);
    this.clear();
    const started = performance.now();
    // square squares: a model of another shape is told so by the worker
    const squares = await cutSquares(pixels, grid, info.inputWidth);
    if (run !== this.run) return;
    const labels: string[] = new Array(81).fill(BLANK);
    const doubtful: number[] = [];
    const classifyStarted = performance.now();
    await this.classifier.classify(squares, (batch) => {
      if (run !== this.run) return;
      batch.results.forEach((result, index) => {
        const square = batch.offset + index;
        labels[square] = this.showSquare(square, result);
        if (!('error' in result) && result.predictions[0].score < DOUBTFUL_BELOW) doubtful.push(square);
      });
    });
    if (run !== this.run) return;
    // For profilers and benchmarks: the squares in the worker, and the whole board.
    performance.measure('board-classify', { start: classifyStarted });
    performance.measure('board', { start: started });
    const sfen = sfenBoard(labels);
    this.elements.sfen.value = sfen;
    this.elements.sfen.dataset.sfen = sfen;
    this.elements.copy.disabled = false;
    const checks = doubtful.length ? `; ${doubtful.length} square(s) to check (marked)` : '';
    this.report(`Recognised in ${(performance.now() - started).toFixed(0)} ms${checks}.`);
  }

  private showSquare(square: number, result: ImageResult): string {
    const cell = this.cells[square];
    if ('error' in result) {
      cell.textContent = '?';
      cell.title = result.error;
      return BLANK;
    }
    const [best] = result.predictions;
    const kind = best.label.slice(2);
    cell.textContent = best.label === BLANK ? '' : (PIECES[kind] ?? '?');
    cell.classList.toggle('gote', best.label.startsWith('W_'));
    cell.classList.toggle('doubtful', best.score < DOUBTFUL_BELOW);
    cell.title = result.predictions.map((p: Prediction) => `${p.label} ${(p.score * 100).toFixed(1)} %`).join('\n');
    cell.dataset.label = best.label;
    return best.label;
  }

  private clear(): void {
    for (const cell of this.cells) {
      cell.textContent = '';
      cell.title = '';
      cell.className = 'cell';
      delete cell.dataset.label;
    }
    this.elements.sfen.value = '';
    delete this.elements.sfen.dataset.sfen;
    this.elements.copy.disabled = true;
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
          void this.recognise(run).catch((error: unknown) => {
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

  private report(text: string): void {
    this.elements.status.classList.remove('error');
    this.elements.status.textContent = text;
  }

  private fail(error: unknown): void {
    this.clear();
    this.elements.status.classList.add('error');
    this.elements.status.textContent = `No board recognised: ${describe(error)}`;
  }
}

/** Shogi notation of a square in SFEN order: file 9 to 1, rank 1 to 9 (e.g. "7c"). */
function squareName(index: number): string {
  return `${9 - (index % 9)}${'abcdefghi'[Math.floor(index / 9)]}`;
}
