// The part of a position a board screenshot does not show here: the pieces in hand (a row of
// the seven kinds per side, each a number with − and +) and the side to move.
import { KIND_NAMES } from './pieces';
import { HAND_KINDS, type Hand, type HandKind, KANJI, SIDES, type Side, emptyHands } from './position';

/** The most of one kind a hand can hold (all 18 pawns); more is refused as typed. */
const MOST_IN_HAND = 18;
const SIDE_NAMES: Record<Side, string> = { b: '☗ Sente', w: '☖ Gote' };

export interface HandsAndTurn {
  hands: Record<Side, Hand>;
  turn: Side;
}

export class HandEditor {
  private readonly inputs = new Map<string, HTMLInputElement>(); // `${side}-${kind}` -> input
  private readonly turns: Record<Side, HTMLInputElement>;
  private hands = emptyHands();
  private turn: Side = 'b';

  /** `changed` hears every change the user makes, with the hands and turn it leads to. */
  constructor(private readonly element: HTMLFieldSetElement, private readonly changed: (now: HandsAndTurn) => void) {
    const legend = document.createElement('legend');
    legend.textContent = 'Pieces in hand, side to move';
    const table = document.createElement('table');
    const header = table.createTHead().insertRow();
    header.append(document.createElement('td'));
    for (const kind of HAND_KINDS) {
      const cell = document.createElement('th');
      cell.scope = 'col';
      cell.textContent = KANJI[kind];
      cell.title = `${KIND_NAMES[kind]}s`;
      header.append(cell);
    }
    const body = table.createTBody();
    for (const side of ['w', 'b'] as const) { // gote above, as diagrams have it
      const row = body.insertRow();
      const name = document.createElement('th');
      name.scope = 'row';
      name.textContent = SIDE_NAMES[side];
      row.append(name);
      for (const kind of HAND_KINDS) row.insertCell().append(this.counter(side, kind));
    }
    const turn = document.createElement('p');
    turn.className = 'turn';
    turn.append('To move: ');
    this.turns = { b: this.turnChoice('b'), w: this.turnChoice('w') };
    for (const side of SIDES) {
      const label = document.createElement('label');
      label.append(this.turns[side], ` ${SIDE_NAMES[side]}`);
      turn.append(label, ' ');
    }
    element.replaceChildren(legend, table, turn);
  }

  /** Shows these hands and this side to move, as when a new position comes in (the user's
   * changes go through `changed` instead). */
  set({ hands, turn }: HandsAndTurn): void {
    this.hands = { b: { ...hands.b }, w: { ...hands.w } };
    this.turn = turn;
    for (const side of SIDES) {
      for (const kind of HAND_KINDS) this.input(side, kind).value = String(this.hands[side][kind]);
      this.turns[side].checked = side === turn;
    }
  }

  set disabled(disabled: boolean) {
    this.element.disabled = disabled;
  }

  private counter(side: Side, kind: HandKind): HTMLElement {
    const what = `${side === 'b' ? 'sente' : 'gote'}'s ${KIND_NAMES[kind]}s in hand`;
    const input = document.createElement('input');
    input.type = 'number';
    input.min = '0';
    input.max = String(MOST_IN_HAND);
    input.value = '0';
    input.inputMode = 'numeric';
    input.setAttribute('aria-label', what);
    this.inputs.set(`${side}-${kind}`, input);
    // While typing, every whole number in range counts at once; anything else waits for the
    // field to be left, then becomes the nearest count.
    input.addEventListener('input', () => {
      const typed = Number(input.value);
      if (input.value !== '' && Number.isInteger(typed) && typed >= 0 && typed <= MOST_IN_HAND) {
        this.setCount(side, kind, typed);
      }
    });
    input.addEventListener('change', () => this.setCount(side, kind, Number(input.value) || 0));
    const step = (by: number, sign: string, words: string) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = sign;
      button.dataset.step = String(by);
      button.setAttribute('aria-label', `${words} ${what}`);
      button.addEventListener('click', () => this.setCount(side, kind, this.hands[side][kind] + by));
      return button;
    };
    const counter = document.createElement('div');
    counter.className = 'counter';
    counter.dataset.side = side;
    counter.dataset.kind = kind;
    counter.append(step(1, '+', 'one more of'), input, step(-1, '−', 'one fewer of'));
    return counter;
  }

  private turnChoice(side: Side): HTMLInputElement {
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'turn';
    radio.value = side;
    radio.checked = side === this.turn;
    radio.addEventListener('change', () => {
      if (!radio.checked) return;
      this.turn = side;
      this.report();
    });
    return radio;
  }

  private setCount(side: Side, kind: HandKind, count: number): void {
    const clamped = Math.min(MOST_IN_HAND, Math.max(0, Math.round(count)));
    const input = this.input(side, kind);
    // leave the field alone while it shows this count (typing "07" stays as typed)
    if (Number(input.value) !== clamped || input.value === '') input.value = String(clamped);
    if (this.hands[side][kind] === clamped) return;
    this.hands[side][kind] = clamped;
    this.report();
  }

  private input(side: Side, kind: HandKind): HTMLInputElement {
    const input = this.inputs.get(`${side}-${kind}`);
    if (!input) throw new Error(`no field for ${side} ${kind}`);
    return input;
  }

  private report(): void {
    this.changed({ hands: { b: { ...this.hands.b }, w: { ...this.hands.w } }, turn: this.turn });
  }
}
