// The apps a page can show above the generic classifier, one folder each under apps/. The
// build's `app` setting names one, "none", or "auto": the first whose labels the model has.
import type { Classifier } from '../classifier';
import type { ModelInfo } from '../protocol';
import { fitsShogiBoard } from './shogi-board/labels';

export interface AppContext {
  /** The page's section the app fills. */
  host: HTMLElement;
  classifier: Classifier;
  ready: Promise<ModelInfo>;
  /** URL of the app's published samples/ directory, ending in "/". */
  samplesUrl: string;
}

export interface App {
  /** An image pasted anywhere on the page. */
  paste(file: Blob): void;
}

export interface AppModule {
  start(context: AppContext): App;
}

interface Entry {
  fits(labels: string[]): boolean;
  load(): Promise<AppModule>;
}

const APPS: Record<string, Entry> = {
  'shogi-board': {
    fits: fitsShogiBoard,
    load: () => import(/* webpackChunkName: "app-shogi-board" */ './shogi-board/app'),
  },
};

/** The app's name for a build's `app` setting and the model's labels, or undefined. */
export function appName(setting: string, labels: string[]): string | undefined {
  if (setting === 'none') return undefined;
  if (setting !== 'auto') return setting;
  return Object.keys(APPS).find((name) => APPS[name].fits(labels));
}

export async function loadApp(name: string): Promise<AppModule> {
  const entry = APPS[name];
  if (!entry) throw new Error(`the page has no app "${name}" (web/src/apps)`);
  return entry.load();
}
