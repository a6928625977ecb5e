// The camera section: what the camera sees, classified frame after frame in the worker.
import type { Classifier } from './classifier';
import { showPredictions } from './predictions';
import { describe } from './errors';
import type { BatchResult } from './protocol';

export interface CameraElements {
  /** Start / Stop. */
  button: HTMLButtonElement;
  video: HTMLVideoElement;
  predictions: HTMLOListElement;
  /** `data-state`: idle, running or failed; `data-frames`: frames classified so far. */
  status: HTMLElement;
}

/** Wires the section's button: Start opens the camera and classifies, Stop ends both. */
export function followCamera(elements: CameraElements, classifier: Classifier): void {
  const { button, video, predictions, status } = elements;
  /** Answers the frame rate is averaged over. */
  const FRAME_RATE_WINDOW = 10;

  /** The camera from one Start to its Stop: a loop sees `stopped` and ends, so a new Start
   * never leaves two loops running. */
  interface CameraRun {
    stopped: boolean;
    stream?: MediaStream;
  }
  let cameraRun: CameraRun | undefined;

  async function startCamera(): Promise<void> {
    const run: CameraRun = { stopped: false };
    cameraRun = run;
    button.textContent = 'Stop';
    predictions.replaceChildren();
    showCameraStatus('running', 'Starting the camera…', 0);
    try {
      const stream = await openCamera();
      run.stream = stream;
      if (run.stopped) return; // stopped while the browser asked for permission
      stream.getVideoTracks()[0]?.addEventListener('ended', () => {
        if (!run.stopped) stopCamera('failed', 'The camera was disconnected.');
      });
      video.srcObject = stream;
      await video.play();
      await classifyFrames(run);
    } catch (error) {
      if (!run.stopped) stopCamera('failed', `The camera cannot be used: ${cameraProblem(error)}`);
    } finally {
      stopTracks(run.stream);
    }
  }

  /** Ends the running camera, if any, at once (an answer still on its way is dropped). */
  function stopCamera(state: 'idle' | 'failed', text: string): void {
    const run = cameraRun;
    if (!run) return;
    run.stopped = true;
    cameraRun = undefined;
    stopTracks(run.stream);
    video.srcObject = null;
    button.textContent = 'Start';
    showCameraStatus(state, text, Number(status.dataset.frames));
  }

  async function openCamera(): Promise<MediaStream> {
    // Browsers offer cameras to secure pages only (https, localhost): elsewhere there is none.
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new Error('this browser offers a camera only to pages served over https or from localhost');
    }
    return navigator.mediaDevices.getUserMedia({ video: true, audio: false });
  }

  function stopTracks(stream: MediaStream | undefined): void {
    for (const track of stream?.getTracks() ?? []) track.stop();
  }

  /** One frame at a time: the next is grabbed only once the last one's answer is in, so frames
   * never queue up in the worker behind a slow model. */
  async function classifyFrames(run: CameraRun): Promise<void> {
    let frames = 0;
    // When the loop started and the last answers arrived: the frame rate is over these.
    const times = [performance.now()];
    while (!run.stopped) {
      const frame = await createImageBitmap(video);
      if (run.stopped) {
        frame.close();
        return;
      }
      const batches: BatchResult[] = [];
      await classifier.classify([frame], (batch) => batches.push(batch));
      if (run.stopped) return;
      const [{ results: [result], milliseconds }] = batches; // one frame: one batch
      if ('error' in result) throw new Error(result.error);
      showPredictions(predictions, result.predictions);
      frames += 1;
      times.push(performance.now());
      if (times.length > FRAME_RATE_WINDOW + 1) times.shift();
      const perSecond = (1000 * (times.length - 1)) / (times[times.length - 1] - times[0]);
      showCameraStatus(
        'running',
        `${frames} frame(s) classified; ${milliseconds.toFixed(0)} ms a frame; ${perSecond.toFixed(1)} frames/s`,
        frames,
      );
    }
  }

  function showCameraStatus(state: 'idle' | 'running' | 'failed', text: string, frames: number): void {
    status.dataset.state = state;
    status.dataset.frames = String(frames);
    status.textContent = text;
  }

  /** Why the camera cannot be used, in words a user can act on. */
  function cameraProblem(error: unknown): string {
    const causes: Record<string, string> = {
      NotAllowedError: 'permission to use the camera was denied',
      NotFoundError: 'no camera was found',
      NotReadableError: 'the camera is in use by another program or cannot be read',
    };
    return (error instanceof DOMException && causes[error.name]) || describe(error);
  }

  button.addEventListener('click', () => {
    if (cameraRun) stopCamera('idle', `Stopped after ${status.dataset.frames} frame(s).`);
    else void startCamera();
  });
}

