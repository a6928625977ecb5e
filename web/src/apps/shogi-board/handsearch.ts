// The page's one handle on the hands worker (hands.worker.ts): a reading of the pieces in
// hand becomes a promise, the model's part done by the caller.
import HandsWorker from './hands.worker?worker';
import type { HandsAnswer, HandsRequest } from './hands.worker';
import type { HandsRead } from './hands';
import type { GridBox } from './grid';
import type { Pixels } from '../../protocol';
import type { RgbaImage } from '../../resample';

/** What the model says of each image: its best label and score. */
export type Labeller = (images: Pixels[]) => Promise<{ label: string; score: number }[]>;

let worker: Worker | undefined;
let queue: Promise<unknown> = Promise.resolve();

function ask(request: HandsRequest, transfer: Transferable[]): Promise<HandsAnswer> {
  return new Promise((resolve, reject) => {
    worker ??= new HandsWorker();
    worker.onmessage = ({ data }: MessageEvent<HandsAnswer>) => ('error' in data ? reject(new Error(data.error)) : resolve(data));
    worker.onerror = (event) => reject(new Error(event.message || 'the hands search stopped'));
    worker.postMessage(request, transfer);
  });
}

/** The pieces in hand of a screenshot whose board has `grid`, the pieces found read by
 * `label` at the model's input `size`. The image is copied: the caller keeps it. Readings run
 * one at a time. */
export function readHands(image: RgbaImage, grid: GridBox, size: number, label: Labeller): Promise<HandsRead> {
  const reading = queue.then(async () => {
    const copy = { width: image.width, height: image.height, data: new Uint8ClampedArray(image.data) };
    const found = await ask({ kind: 'search', image: copy, grid, size }, [copy.data.buffer]);
    const labels = 'crops' in found && found.crops.length ? await label(found.crops) : [];
    const answer = await ask({ kind: 'read', labels }, []);
    if (!('read' in answer)) throw new Error('the hands worker answered out of turn');
    return answer.read;
  });
  queue = reading.catch(() => undefined);
  return reading;
}
