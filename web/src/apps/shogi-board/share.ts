// Taking a position elsewhere: the clipboard, lishogi's board editor, and links back to this
// page that open on the position (`#sfen=<the full SFEN, URI-encoded>`).
import { describe } from '../../errors';
import { type Position, parseSfen } from './position';

const LISHOGI_EDITOR = 'https://lishogi.org/editor/';
const HASH_KEY = 'sfen=';

/** lishogi's editor on a full SFEN: lishogi writes its editor links with '_' for the spaces
 * and '/' and '+' as they are (its ui/common links.ts, `encodeSfen`), and its server reads
 * them back the same way. */
export function lishogiEditorUrl(sfen: string): string {
  const path = encodeURIComponent(sfen).replaceAll('%20', '_').replaceAll('%2F', '/').replaceAll('%2B', '+');
  return LISHOGI_EDITOR + path;
}

/** `page` (this page's address) with the hash that opens it on `sfen`. */
export function shareUrl(page: string, sfen: string): string {
  const url = new URL(page);
  url.hash = HASH_KEY + encodeURIComponent(sfen);
  return url.href;
}

/** The position a page hash names, undefined for a hash that names none (no `#sfen=`).
 * Throws a PositionError, or an Error saying why, for one that is not a position. */
export function positionInHash(hash: string): Position | undefined {
  const text = hash.replace(/^#/u, '');
  if (!text.startsWith(HASH_KEY)) return undefined;
  let sfen: string;
  try {
    sfen = decodeURIComponent(text.slice(HASH_KEY.length));
  } catch {
    throw new Error('the link is cut short or mangled: it has a broken %-escape');
  }
  return parseSfen(sfen);
}

/** Clicking `button` puts `text()` on the clipboard, and says so in `feedback` briefly. */
export function copyOnClick(button: HTMLButtonElement, what: string, text: () => string, feedback: HTMLElement): void {
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text());
      say(feedback, `Copied ${what}.`);
    } catch (error) {
      say(feedback, `Could not copy: ${describe(error)}`);
    }
  });
}

const SHOWN_FOR_MS = 2000;
const clearing = new WeakMap<HTMLElement, number>();

function say(feedback: HTMLElement, text: string): void {
  feedback.textContent = text;
  window.clearTimeout(clearing.get(feedback));
  clearing.set(feedback, window.setTimeout(() => (feedback.textContent = ''), SHOWN_FOR_MS));
}
