// The 9x9 board diagram: one button per square, in SFEN order (rank 1 first, file 9 to 1).
// One square at a time is in the tab order; the arrow keys move between squares, so the
// board is a single stop for keyboard users.
import { isGote, kanjiOf, nameOf } from './pieces';
import { squareName } from './position';

export interface SquareShown {
  label: string;
  /** The model's top 3 (or why the square could not be classified); '' when nothing was
   * classified, as for a position from a link. */
  title: string;
  /** Not classified at all: shown as '?'. */
  unreadable: boolean;
  doubtful: boolean;
  /** The label read before the user corrected it; undefined when not corrected. */
  correctedFrom?: string;
}

export class Diagram {
  readonly cells: HTMLButtonElement[] = [];
  private focusable = 0;

  /** `choose` is called with the square the user clicked, or pressed Enter or Space on. */
  constructor(element: HTMLElement, choose: (square: number) => void) {
    element.setAttribute('role', 'group');
    for (let square = 0; square < 81; square++) {
      const cell = document.createElement('button');
      cell.type = 'button';
      cell.className = 'cell';
      cell.tabIndex = square === 0 ? 0 : -1;
      cell.addEventListener('click', () => {
        this.moveFocus(square, false);
        choose(square);
      });
      this.cells.push(element.appendChild(cell));
    }
    element.addEventListener('keydown', (event) => {
      const target = this.cells.indexOf(event.target as HTMLButtonElement);
      const next = target < 0 ? undefined : neighbour(target, event.key);
      if (next === undefined) return;
      event.preventDefault();
      this.moveFocus(next, true);
    });
  }

  show(square: number, shown: SquareShown): void {
    const cell = this.cells[square];
    cell.textContent = shown.unreadable ? '?' : kanjiOf(shown.label);
    cell.title = shown.title;
    cell.dataset.label = shown.label;
    cell.classList.toggle('gote', isGote(shown.label));
    cell.classList.toggle('doubtful', shown.doubtful);
    cell.classList.toggle('corrected', shown.correctedFrom !== undefined);
    if (shown.correctedFrom === undefined) delete cell.dataset.corrected;
    else cell.dataset.corrected = shown.correctedFrom;
    const notes = [
      shown.doubtful ? 'unsure' : '',
      shown.correctedFrom === undefined ? '' : `corrected from ${nameOf(shown.correctedFrom)}`,
    ].filter(Boolean);
    const what = shown.unreadable ? 'not read' : nameOf(shown.label);
    cell.setAttribute('aria-label', `${squareName(square)}: ${[what, ...notes].join(', ')}`);
  }

  clear(): void {
    this.cells.forEach((cell, square) => {
      cell.textContent = '';
      cell.title = '';
      cell.className = 'cell';
      delete cell.dataset.label;
      delete cell.dataset.corrected;
      cell.setAttribute('aria-label', `${squareName(square)}: not read yet`);
    });
  }

  private moveFocus(square: number, focus: boolean): void {
    this.cells[this.focusable].tabIndex = -1;
    this.focusable = square;
    this.cells[square].tabIndex = 0;
    if (focus) this.cells[square].focus();
  }
}

/** The square an arrow key (or Home, End) leads to from `square`, as the board is drawn:
 * left is towards file 9, up towards rank 1. Undefined for other keys. */
function neighbour(square: number, key: string): number | undefined {
  const rank = Math.floor(square / 9);
  const column = square % 9;
  const clamp = (value: number) => Math.min(8, Math.max(0, value));
  switch (key) {
    case 'ArrowLeft': return rank * 9 + clamp(column - 1);
    case 'ArrowRight': return rank * 9 + clamp(column + 1);
    case 'ArrowUp': return clamp(rank - 1) * 9 + column;
    case 'ArrowDown': return clamp(rank + 1) * 9 + column;
    case 'Home': return rank * 9;
    case 'End': return rank * 9 + 8;
    default: return undefined;
  }
}
