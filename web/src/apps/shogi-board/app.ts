// The shogi board reader: a board screenshot in, the position out as SFEN, BOD or a link; the
// user corrects squares, fills in the hands and the side to move. Its section, styles and
// samples are its own; the page hands it the classifier and pasted images.
import type { App, AppContext } from '../apps';
import { acceptFiles } from '../../intake';
import { BoardView } from './boardview';
import { describe } from '../../errors';
import { PositionView } from './positionview';
import { positionInHash } from './share';
import { writeSfen } from './position';

const STYLE = `
  #board-section { margin: 1rem 0; }
  .board-work { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
  .position-work { display: flex; flex-direction: column; gap: .5rem; }
  #screenshot-view { position: relative; width: min(480px, 100%); min-height: 2rem; border: 2px dashed #aaa; border-radius: .5rem; }
  #screenshot-view.over { border-color: #2a6; }
  #screenshot-view canvas { display: block; max-width: 100%; }
  #screenshot-view .corner { position: absolute; width: 14px; height: 14px; margin: -7px 0 0 -7px; border-radius: 50%; background: rgba(230, 40, 40, .85); cursor: move; touch-action: none; display: none; }
  #screenshot-view.has-grid .corner { display: block; }
  .diagram-box { position: relative; }
  #board-diagram { width: max-content; display: grid; grid-template-columns: repeat(9, 2.2rem); grid-template-rows: repeat(9, 2.4rem); border: 2px solid #333; background: #f3d9a0; }
  #board-diagram .cell { border: 1px solid #9a7b3c; display: flex; align-items: center; justify-content: center; font: inherit; font-size: 1.3rem; padding: 0; color: inherit; background: none; cursor: pointer; }
  #board-diagram .cell:focus-visible { box-shadow: inset 0 0 0 3px #1a5fb4; outline: none; }
  #board-diagram .cell.gote, #square-chooser .piece.gote { transform: rotate(180deg); }
  #board-diagram .cell.doubtful { outline: 3px solid #d00; outline-offset: -3px; }
  #board-diagram .cell.corrected { background: #a8d8ff; }
  #square-chooser { position: absolute; z-index: 10; width: 15.5rem; padding: .4rem; background: #fff; border: 1px solid #888; border-radius: .4rem; box-shadow: 0 4px 14px rgba(0, 0, 0, .25); }
  #square-chooser .chooser-title { margin: 0 0 .3rem; font-size: .85rem; }
  #square-chooser .chooser-guesses { display: flex; gap: .3rem; margin-bottom: .4rem; }
  #square-chooser .chooser-guesses button { flex: 1; display: flex; flex-direction: column; align-items: center; }
  #square-chooser .chooser-palette { display: grid; grid-template-columns: repeat(7, 2rem); gap: .15rem; margin-bottom: .4rem; }
  #square-chooser button { min-height: 2rem; font-size: 1.1rem; padding: .1rem; }
  #square-chooser small { font-size: .7rem; }
  #square-chooser .piece { display: inline-block; }
  #square-chooser .current { background: #ffe9a8; }
  #square-chooser .chooser-flip { width: 100%; font-size: .9rem; }
  #hands-editor { border: 1px solid #bbb; border-radius: .4rem; padding: .3rem .5rem; margin: 0; }
  #hands-editor table { border-collapse: collapse; }
  #hands-editor th { font-weight: normal; padding: 0 .2rem; }
  #hands-editor tbody th { text-align: left; white-space: nowrap; font-size: .85rem; }
  #hands-editor .counter { display: flex; flex-direction: column; align-items: center; }
  #hands-editor .counter button { width: 1.9rem; padding: 0; line-height: 1.1; }
  #hands-editor input[type=number] { width: 1.9rem; text-align: center; -moz-appearance: textfield; appearance: textfield; }
  #hands-editor input[type=number]::-webkit-inner-spin-button { -webkit-appearance: none; margin: 0; }
  #hands-editor .turn { margin: .3rem 0 0; }
  #samples { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0; }
  #samples button { padding: 0; border: 1px solid #aaa; background: none; cursor: pointer; }
  #samples img { width: 64px; display: block; }
  #board-status.error { color: #b00020; }
  #sfen { font-family: monospace; word-break: break-all; }
  #position-warnings { color: #8a4b00; margin: .2rem 0; }
  #hands-note { font-size: .85rem; max-width: 16rem; margin: .3rem 0; }
  #hands-note.check { color: #8a4b00; }
  .position-out { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
`;

const SECTION = `
  <h2>Board screenshot → SFEN</h2>
  <p><label>Pick a board screenshot <input type="file" name="board" accept="image/*"></label>,
    drop one on the board area, paste one, or try a sample:</p>
  <div id="samples"></div>
  <div class="board-work">
    <div id="screenshot-view"><canvas id="screenshot" width="0" height="0"></canvas></div>
    <div class="position-work">
      <div class="diagram-box"><div id="board-diagram" aria-label="recognised board"></div></div>
      <fieldset id="hands-editor"></fieldset>
      <p id="hands-note" role="status" hidden></p>
    </div>
  </div>
  <p>SFEN: <output id="sfen"></output></p>
  <ul id="position-warnings" aria-label="what no game reaches" hidden></ul>
  <p class="position-out">
    <button id="copy-sfen" type="button" disabled>Copy SFEN</button>
    <button id="copy-usi" type="button" disabled>Copy USI</button>
    <button id="copy-bod" type="button" disabled>Copy BOD</button>
    <button id="copy-link" type="button" disabled>Copy link</button>
    <a id="share-link" hidden>Link to this position</a>
    <a id="lishogi-link" target="_blank" rel="noopener" hidden>Open in lishogi's editor</a>
    <span id="copied" role="status"></span>
  </p>
  <p id="board-status" role="status">Squares the model is unsure of are outlined: click one (or Enter on it)
    to correct it; hover a square for its top 3.</p>
`;

interface Sample {
  file: string;
  sfen: string;
}

export function start({ host, classifier, ready, samplesUrl }: AppContext): App {
  const style = document.createElement('style');
  style.textContent = STYLE;
  document.head.appendChild(style);
  host.id = 'board-section';
  host.innerHTML = SECTION;
  const find = <T extends HTMLElement>(selector: string): T => {
    const found = host.querySelector<T>(selector);
    if (!found) throw new Error(`the board section has no ${selector}`);
    return found;
  };
  const status = find('#board-status');
  const report = (text: string, isError = false) => {
    status.classList.toggle('error', isError);
    status.textContent = text;
  };
  const positionView = new PositionView(
    {
      diagram: find('#board-diagram'),
      diagramBox: find('.diagram-box'),
      editor: find<HTMLFieldSetElement>('#hands-editor'),
      handsNote: find('#hands-note'),
      sfen: find<HTMLOutputElement>('#sfen'),
      warnings: find<HTMLUListElement>('#position-warnings'),
      copySfen: find<HTMLButtonElement>('#copy-sfen'),
      copyUsi: find<HTMLButtonElement>('#copy-usi'),
      copyBod: find<HTMLButtonElement>('#copy-bod'),
      copyLink: find<HTMLButtonElement>('#copy-link'),
      copied: find('#copied'),
      shareLink: find<HTMLAnchorElement>('#share-link'),
      lishogiLink: find<HTMLAnchorElement>('#lishogi-link'),
    },
    report,
  );
  const view = find('#screenshot-view');
  const boardView = new BoardView(
    { view, canvas: find<HTMLCanvasElement>('#screenshot') },
    positionView,
    classifier,
    ready,
    report,
  );
  acceptFiles(find<HTMLInputElement>('input[name=board]'), view, ([file]) => {
    if (file) void boardView.open(file);
  });
  void showSamples(samplesUrl, find('#samples'), (blob) => void boardView.open(blob));
  // A link to a position (`#sfen=…`) opens on it, and so does one followed later.
  const openLink = () => {
    try {
      const position = positionInHash(location.hash);
      // the position shown already (its own link followed) keeps its top 3 and corrections
      if (!position || writeSfen(position) === positionView.sfen) return;
      boardView.forget();
      positionView.showPosition(position);
      report('The position from the link: click a square to change it.');
    } catch (error) {
      report(`The link's position could not be shown: ${describe(error)}`, true);
    }
  };
  window.addEventListener('hashchange', openLink);
  openLink();
  // A pasted image is most likely a screenshot of a board.
  return { paste: (file) => void boardView.open(file) };
}

async function showSamples(base: string, gallery: HTMLElement, open: (board: Blob) => void): Promise<void> {
  const response = await fetch(`${base}samples.json`);
  if (!response.ok) return;
  for (const sample of (await response.json()) as Sample[]) {
    const button = document.createElement('button');
    const image = document.createElement('img');
    // the build's small copy (pipeline/bundle.py); a click reads the screenshot itself
    image.src = `${base}thumbnails/${sample.file.replace(/\.[^.]*$/, '')}.jpg`;
    image.alt = `sample board ${sample.sfen}`;
    button.title = sample.sfen;
    button.appendChild(image);
    button.addEventListener('click', async () => open(await (await fetch(base + sample.file)).blob()));
    gallery.appendChild(button);
  }
}
