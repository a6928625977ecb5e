// The position on the page: the squares as read (from a screenshot, or from a link) with the
// user's corrections, the hands and side to move from the editor; shown as the diagram, the
// full SFEN, its warnings, and the ways to take it elsewhere. Every change redraws at once.
import type { ReadSquare, ReadingSink } from './boardview';
import { sfenBoard } from './board';
import { Chooser } from './chooser';
import { Diagram } from './diagram';
import { HandEditor, type HandsAndTurn } from './editor';
import type { HandsRead } from './hands';
import { nameOf } from './pieces';
import {
  type Position, type Side, emptyHands, positionWarnings, squareName, writeBod, writeSfen,
} from './position';
import { copyOnClick, lishogiEditorUrl, shareUrl } from './share';

export interface PositionElements {
  diagram: HTMLElement;
  /** The positioned box around the diagram the square chooser opens in. */
  diagramBox: HTMLElement;
  editor: HTMLFieldSetElement;
  /** Where the pieces in hand came from, and what of them to check. */
  handsNote: HTMLElement;
  sfen: HTMLOutputElement;
  warnings: HTMLUListElement;
  copySfen: HTMLButtonElement;
  copyUsi: HTMLButtonElement;
  copyBod: HTMLButtonElement;
  copyLink: HTMLButtonElement;
  copied: HTMLElement;
  shareLink: HTMLAnchorElement;
  lishogiLink: HTMLAnchorElement;
}

interface Square extends ReadSquare {
  /** What the user picked instead of the label read. */
  correction?: string;
  /** The user has picked something for it (even the label read): no longer doubtful. */
  checked: boolean;
}

export class PositionView implements ReadingSink {
  private readonly diagram: Diagram;
  private readonly chooser: Chooser;
  private readonly editor: HandEditor;
  /** All 81 once a reading is complete (or a link was opened); fewer while squares come in. */
  private squares: Square[] = [];
  private complete = false;
  /** The reading under way is of a new screenshot, not of one whose grid was moved. */
  private newScreenshot = true;
  private hands = emptyHands();
  private turn: Side = 'b';
  private moveNumber = 1;
  private position?: Position;

  constructor(private readonly elements: PositionElements, private readonly report: (text: string) => void) {
    this.diagram = new Diagram(elements.diagram, (square) => this.choose(square));
    this.chooser = new Chooser(elements.diagramBox);
    this.editor = new HandEditor(elements.editor, (now) => this.edit(now));
    const sfen = () => this.sfen ?? '';
    copyOnClick(elements.copySfen, 'the SFEN', sfen, elements.copied);
    copyOnClick(elements.copyUsi, 'the USI command', () => `position sfen ${sfen()}`, elements.copied);
    copyOnClick(elements.copyBod, 'the BOD diagram', () => (this.position ? writeBod(this.position) : ''), elements.copied);
    copyOnClick(elements.copyLink, 'the link', () => elements.shareLink.href, elements.copied);
    this.clear();
  }

  /** The full SFEN shown, if a position is. */
  get sfen(): string | undefined {
    return this.elements.sfen.dataset.sfen;
  }

  // --- a reading from a screenshot (see BoardView) ----------------------------------------

  begin(newScreenshot: boolean): void {
    this.clear();
    this.newScreenshot = newScreenshot;
    if (!newScreenshot) return;
    this.setHandsAndTurn({ hands: emptyHands(), turn: 'b' });
    this.elements.handsNote.textContent = '';
    delete this.elements.handsNote.dataset.source;
  }

  square(square: number, read: ReadSquare): void {
    this.squares[square] = { ...read, checked: false };
    this.showSquare(square);
  }

  end(handsSeen: HandsRead | undefined): void {
    const { handsNote } = this.elements;
    // the hands start as read from a new screenshot; a moved grid keeps what the user has
    if (handsSeen && this.newScreenshot) {
      this.setHandsAndTurn({ hands: handsSeen.hands, turn: this.turn });
      handsNote.textContent = handsSummary(handsSeen);
      handsNote.dataset.source = handsSeen.source;
      handsNote.classList.toggle('check', handsSeen.problems.length > 0 || handsSeen.source === 'nothing');
    }
    handsNote.hidden = !handsNote.textContent;
    this.complete = true;
    try {
      this.update();
    } catch (error) {
      this.clear(); // a label no shogi square has: not a position
      throw error;
    }
  }

  clear(): void {
    this.elements.handsNote.hidden = true;
    this.chooser.close(false);
    this.squares = [];
    this.complete = false;
    this.moveNumber = 1;
    this.diagram.clear();
    this.editor.disabled = true;
    this.position = undefined;
    this.show(undefined);
  }

  // --- a position from a link -------------------------------------------------------------

  /** Shows a whole position with nothing read from a screenshot: no top 3, no doubts. */
  showPosition(position: Position): void {
    this.clear();
    this.squares = position.board.map((label) => ({ label, predictions: [], doubtful: false, checked: false }));
    this.squares.forEach((_, square) => this.showSquare(square));
    this.setHandsAndTurn(position);
    this.moveNumber = position.moveNumber;
    this.complete = true;
    this.update();
  }

  // --- the user's changes -----------------------------------------------------------------

  private choose(square: number): void {
    const read = this.squares[square];
    if (!this.complete || !read) return;
    const cell = this.diagram.cells[square];
    if (cell.title) this.report(`${squareName(square)}: ${cell.title.replaceAll('\n', ', ')}`);
    this.chooser.open({
      cell,
      name: squareName(square),
      label: this.labelAt(square),
      predictions: read.predictions,
      pick: (label) => this.correct(square, label),
    });
  }

  private correct(square: number, label: string): void {
    const read = this.squares[square];
    read.correction = label === read.label ? undefined : label;
    read.checked = true;
    this.showSquare(square);
    this.update();
    const was = read.correction === undefined ? '' : ` (read as ${nameOf(read.label)})`;
    this.report(`${squareName(square)}: ${nameOf(label)}${was}.`);
  }

  private edit({ hands, turn }: HandsAndTurn): void {
    this.hands = hands;
    this.turn = turn;
    this.update();
  }

  // --- showing it -------------------------------------------------------------------------

  private setHandsAndTurn(now: HandsAndTurn): void {
    this.hands = { b: { ...now.hands.b }, w: { ...now.hands.w } };
    this.turn = now.turn;
    this.editor.set(now);
  }

  private labelAt(square: number): string {
    const read = this.squares[square];
    return read.correction ?? read.label;
  }

  private showSquare(square: number): void {
    const read = this.squares[square];
    const title = read.error ?? read.predictions.map((p) => `${p.label} ${(p.score * 100).toFixed(1)} %`).join('\n');
    this.diagram.show(square, {
      label: this.labelAt(square),
      title,
      unreadable: read.error !== undefined && read.correction === undefined,
      doubtful: read.doubtful && !read.checked,
      correctedFrom: read.correction === undefined ? undefined : read.label,
    });
  }

  /** The position as it now stands, written out everywhere. */
  private update(): void {
    if (!this.complete) return;
    const position: Position = {
      board: this.squares.map((_, square) => this.labelAt(square)),
      hands: this.hands,
      turn: this.turn,
      moveNumber: this.moveNumber,
    };
    const sfen = writeSfen(position); // throws for a label no shogi square has
    this.position = position;
    this.editor.disabled = false;
    this.show({ sfen, board: sfenBoard(position.board), warnings: positionWarnings(position) });
  }

  private show(written: { sfen: string; board: string; warnings: string[] } | undefined): void {
    const { sfen, warnings, shareLink, lishogiLink } = this.elements;
    sfen.value = written?.sfen ?? '';
    if (written) {
      sfen.dataset.sfen = written.sfen;
      sfen.dataset.board = written.board;
      shareLink.href = shareUrl(location.href, written.sfen);
      lishogiLink.href = lishogiEditorUrl(written.sfen);
    } else {
      delete sfen.dataset.sfen;
      delete sfen.dataset.board;
      shareLink.removeAttribute('href');
      lishogiLink.removeAttribute('href');
    }
    shareLink.hidden = lishogiLink.hidden = !written;
    for (const button of [this.elements.copySfen, this.elements.copyUsi, this.elements.copyBod, this.elements.copyLink]) {
      button.disabled = !written;
    }
    warnings.replaceChildren(
      ...(written?.warnings ?? []).map((warning) => {
        const item = document.createElement('li');
        item.textContent = warning;
        return item;
      }),
    );
    warnings.hidden = !warnings.childElementCount;
  }
}

/** Where the hands came from and what of them to check, in words for the user (as
 * pipeline/shogi/hands.py's HandsRead.summary). */
function handsSummary(read: HandsRead): string {
  const said = {
    text: "Pieces in hand read from the screenshot's text.",
    pieces: 'Pieces in hand read from the screenshot.',
    nothing: 'No pieces in hand seen in the screenshot: set them below if there are any.',
  }[read.source];
  return [said, ...read.problems].join(' ');
}
