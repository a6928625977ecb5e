// The hands search (hands.ts) off the page's main thread: on a large screenshot it takes
// longer than a frame.
import { type FoundHands, findHands, handCrops } from './hands';
import type { GridBox } from './grid';
import type { Pixels } from '../../protocol';
import type { RgbaImage } from '../../resample';
import { describe } from '../../errors';

export interface HandsRequest {
  image: RgbaImage;
  grid: GridBox;
  /** The model's input size: the found pieces are cut at it. */
  size: number;
}

export type HandsAnswer = { found: FoundHands; crops: Pixels[] } | { error: string };

// The DOM typings describe a window; this is the part of the worker scope used here.
interface WorkerScope {
  postMessage(message: HandsAnswer, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<HandsRequest>) => void): void;
}
const scope = self as unknown as WorkerScope;

scope.addEventListener('message', ({ data: { image, grid, size } }) => {
  try {
    const found = findHands(image, grid);
    const crops = handCrops(image, grid, found, size);
    scope.postMessage({ found, crops }, [found.labels.buffer, found.shades.buffer, ...crops.map((crop) => crop.rgb.buffer)]);
  } catch (error) {
    scope.postMessage({ error: describe(error) }, []);
  }
});
