// The chooser that opens by a square of the diagram to correct it: the model's top 3 first
// (one click for the usual mistake), then every class, then "flip side". The arrow keys move
// through its buttons, Enter or Space picks, Escape closes.
import { BLANK } from './labels';
import { ALL_LABELS, nameOf, otherSide, pieceElement } from './pieces';
import type { Prediction } from '../../protocol';

export interface ChooserRequest {
  /** The square's cell, which the chooser opens by and gives the focus back to. */
  cell: HTMLElement;
  /** "7c". */
  name: string;
  /** What the square holds now. */
  label: string;
  /** The model's top predictions, best first; none for a square not read from a screenshot. */
  predictions: Prediction[];
  pick(label: string): void;
}

export class Chooser {
  private readonly element: HTMLElement;
  private request?: ChooserRequest;

  /** The chooser goes in `container`, a positioned box around the diagram, and never below
   * its bottom edge (what is under the board stays clickable). */
  constructor(private readonly container: HTMLElement) {
    this.element = document.createElement('div');
    this.element.id = 'square-chooser';
    this.element.setAttribute('role', 'dialog');
    this.element.hidden = true;
    container.appendChild(this.element);
    this.element.addEventListener('keydown', (event) => this.onKey(event));
    // Tabbing out, or a click anywhere else, closes it, leaving the focus where it went.
    this.element.addEventListener('focusout', (event) => {
      const next = event.relatedTarget;
      if (next instanceof Node && !this.element.contains(next)) this.close(false);
    });
    document.addEventListener('pointerdown', (event) => {
      if (this.request && !this.element.contains(event.target as Node)) this.close(false);
    }, true);
  }

  open(request: ChooserRequest): void {
    this.request = request;
    this.element.setAttribute('aria-label', `Correct square ${request.name}`);
    const title = document.createElement('p');
    title.className = 'chooser-title';
    title.textContent = `${request.name}: pick what is there`;
    const guesses = document.createElement('div');
    guesses.className = 'chooser-guesses';
    for (const { label, score } of request.predictions) {
      const percent = `${(score * 100).toFixed(1)} %`;
      const button = this.option(label, `${nameOf(label)}, ${percent}`);
      const share = document.createElement('small');
      share.textContent = percent;
      button.append(share);
      guesses.append(button);
    }
    const palette = document.createElement('div');
    palette.className = 'chooser-palette';
    palette.append(...ALL_LABELS.map((label) => this.option(label, nameOf(label))));
    const flip = document.createElement('button');
    flip.type = 'button';
    flip.className = 'chooser-flip';
    flip.textContent = 'Flip side ☗⇄☖';
    flip.disabled = request.label === BLANK;
    flip.addEventListener('click', () => this.choose(otherSide(request.label)));
    this.element.replaceChildren(title, ...(request.predictions.length ? [guesses] : []), palette, flip);
    this.element.hidden = false;
    this.place(request.cell);
    this.element.querySelector('button')?.focus();
  }

  /** Closes the chooser; `giveFocusBack` puts the focus on the square it was opened for. */
  close(giveFocusBack: boolean): void {
    const request = this.request;
    if (!request) return;
    this.request = undefined;
    this.element.hidden = true;
    this.element.replaceChildren();
    if (giveFocusBack) request.cell.focus();
  }

  private option(label: string, name: string): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.label = label;
    button.title = `${name} (${label})`;
    button.setAttribute('aria-label', name);
    if (label === this.request?.label) button.classList.add('current');
    button.append(pieceElement(label));
    button.addEventListener('click', () => this.choose(label));
    return button;
  }

  private choose(label: string): void {
    const request = this.request;
    if (!request) return;
    this.close(true);
    request.pick(label);
  }

  private onKey(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      this.close(true);
      return;
    }
    const buttons = [...this.element.querySelectorAll<HTMLButtonElement>('button:not(:disabled)')];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const step: Record<string, number> = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    let next: number;
    if (event.key in step) next = (at + step[event.key] + buttons.length) % buttons.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = buttons.length - 1;
    else return;
    event.preventDefault();
    buttons[next].focus();
  }

  /** Beside the cell, on the side with more room, level with it but inside the board's
   * height. */
  private place(cell: HTMLElement): void {
    const box = this.container.getBoundingClientRect();
    const square = cell.getBoundingClientRect();
    const { offsetWidth: width, offsetHeight: height } = this.element;
    const roomRight = document.documentElement.clientWidth - square.right;
    let left = roomRight >= width ? square.right : square.left - width;
    left = Math.max(0, Math.min(left, document.documentElement.clientWidth - width)); // narrow screens
    const top = Math.max(0, Math.min(square.top - box.top, box.height - height));
    this.element.style.left = `${left - box.left}px`;
    this.element.style.top = `${top}px`;
  }
}
