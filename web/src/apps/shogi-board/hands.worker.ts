// The hands search (hands.ts) off the page's main thread: on a large screenshot it takes
// longer than a frame. Two steps, the model's part in between: `search` finds what may be
// pieces and cuts them; `read` takes the model's labels for those and reads the counts.
import { type FoundHands, type HandsRead, findHands, handCrops, handsFrom } from './hands';
import type { GridBox } from './grid';
import type { Pixels } from '../../protocol';
import type { RgbaImage } from '../../resample';
import { describe } from '../../errors';

export type HandsRequest =
  | { kind: 'search'; image: RgbaImage; grid: GridBox; /** the model's input size */ size: number }
  | { kind: 'read'; labels: { label: string; score: number }[] };

export type HandsAnswer = { crops: Pixels[] } | { read: HandsRead } | { error: string };

// The DOM typings describe a window; this is the part of the worker scope used here.
interface WorkerScope {
  postMessage(message: HandsAnswer, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<HandsRequest>) => void): void;
}
const scope = self as unknown as WorkerScope;

// What the last search found, kept for its `read`.
let found: FoundHands | undefined;

scope.addEventListener('message', ({ data: request }) => {
  try {
    if (request.kind === 'search') {
      found = findHands(request.image, request.grid);
      const crops = handCrops(request.image, request.grid, found, request.size);
      scope.postMessage({ crops }, crops.map((crop) => crop.rgb.buffer));
    } else {
      if (!found) throw new Error('no search to read');
      scope.postMessage({ read: handsFrom(found, request.labels) }, []);
    }
  } catch (error) {
    scope.postMessage({ error: describe(error) }, []);
  }
});
