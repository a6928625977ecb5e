// The shogi board reader: a board screenshot in, the position out as SFEN. Its section,
// styles and samples are its own; the page hands it the classifier and pasted images.
import type { App, AppContext } from '../apps';
import { acceptFiles } from '../../intake';
import { BoardView } from './boardview';

const STYLE = `
  #board-section { margin: 1rem 0; }
  .board-work { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
  #screenshot-view { position: relative; width: min(480px, 100%); min-height: 2rem; border: 2px dashed #aaa; border-radius: .5rem; }
  #screenshot-view.over { border-color: #2a6; }
  #screenshot-view canvas { display: block; max-width: 100%; }
  #screenshot-view .corner { position: absolute; width: 14px; height: 14px; margin: -7px 0 0 -7px; border-radius: 50%; background: rgba(230, 40, 40, .85); cursor: move; touch-action: none; display: none; }
  #screenshot-view.has-grid .corner { display: block; }
  #board-diagram { display: grid; grid-template-columns: repeat(9, 2.2rem); grid-template-rows: repeat(9, 2.4rem); border: 2px solid #333; background: #f3d9a0; }
  #board-diagram .cell { border: 1px solid #9a7b3c; display: flex; align-items: center; justify-content: center; font-size: 1.3rem; }
  #board-diagram .cell.gote { transform: rotate(180deg); }
  #board-diagram .cell.doubtful { outline: 3px solid #d00; outline-offset: -3px; }
  #samples { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0; }
  #samples button { padding: 0; border: 1px solid #aaa; background: none; cursor: pointer; }
  #samples img { width: 64px; display: block; }
  #board-status.error { color: #b00020; }
  #sfen { font-family: monospace; word-break: break-all; }
`;

const SECTION = `
  <h2>Board screenshot → SFEN</h2>
  <p><label>Pick a board screenshot <input type="file" name="board" accept="image/*"></label>,
    drop one on the board area, paste one, or try a sample:</p>
  <div id="samples"></div>
  <div class="board-work">
    <div id="screenshot-view"><canvas id="screenshot" width="0" height="0"></canvas></div>
    <div id="board-diagram" aria-label="recognised board"></div>
  </div>
  <p>SFEN: <output id="sfen"></output> <button id="copy-sfen" disabled>Copy</button></p>
  <p id="board-status">Squares the model is unsure of are outlined; hover a square for its top 3.</p>
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
  const view = find('#screenshot-view');
  const boardView = new BoardView(
    {
      view,
      canvas: find<HTMLCanvasElement>('#screenshot'),
      diagram: find('#board-diagram'),
      sfen: find<HTMLOutputElement>('#sfen'),
      copy: find<HTMLButtonElement>('#copy-sfen'),
      status: find('#board-status'),
    },
    classifier,
    ready,
  );
  acceptFiles(find<HTMLInputElement>('input[name=board]'), view, ([file]) => {
    if (file) void boardView.open(file);
  });
  void showSamples(samplesUrl, find('#samples'), (blob) => void boardView.open(blob));
  // A pasted image is most likely a screenshot of a board.
  return { paste: (file) => void boardView.open(file) };
}

async function showSamples(base: string, gallery: HTMLElement, open: (board: Blob) => void): Promise<void> {
  const response = await fetch(`${base}samples.json`);
  if (!response.ok) return;
  for (const sample of (await response.json()) as Sample[]) {
    const button = document.createElement('button');
    const image = document.createElement('img');
    image.src = base + sample.file;
    image.alt = `sample board ${sample.sfen}`;
    button.title = sample.sfen;
    button.appendChild(image);
    button.addEventListener('click', async () => open(await (await fetch(base + sample.file)).blob()));
    gallery.appendChild(button);
  }
}
