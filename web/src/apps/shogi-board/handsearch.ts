// The page's one handle on the hands worker: a search becomes a promise.
import HandsWorker from './hands.worker?worker';
import type { HandsAnswer, HandsRequest } from './hands.worker';
import type { FoundHands } from './hands';
import type { GridBox } from './grid';
import type { Pixels } from '../../protocol';
import type { RgbaImage } from '../../resample';

let worker: Worker | undefined;
let queue: Promise<unknown> = Promise.resolve();

/** The hands `findHands` sees in a screenshot, and its pieces cut for the model. The image is
 * copied: the caller keeps it. Searches run one at a time. */
export function searchHands(image: RgbaImage, grid: GridBox, size: number): Promise<{ found: FoundHands; crops: Pixels[] }> {
  const search = queue.then(
    () =>
      new Promise<{ found: FoundHands; crops: Pixels[] }>((resolve, reject) => {
        worker ??= new HandsWorker();
        const copy = { width: image.width, height: image.height, data: new Uint8ClampedArray(image.data) };
        worker.onmessage = ({ data }: MessageEvent<HandsAnswer>) => ('error' in data ? reject(new Error(data.error)) : resolve(data));
        worker.onerror = (event) => reject(new Error(event.message || 'the hands search stopped'));
        const request: HandsRequest = { image: copy, grid, size };
        worker.postMessage(request, [copy.data.buffer]);
      }),
  );
  queue = search.catch(() => undefined);
  return search;
}
