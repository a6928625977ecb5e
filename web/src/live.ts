// Follows `doit serve`'s rebuilds: reload when a new site is published, show why a build
// failed. On any other host the event stream does not exist and this does nothing.
const EVENTS_URL = '__modelsite/events';

export interface BuildHandlers {
  published(): void;
  failed(report: string): void;
  succeeded(): void;
}

export function followBuilds(handlers: BuildHandlers): void {
  if (typeof EventSource === 'undefined') return;
  const source = new EventSource(EVENTS_URL);
  source.addEventListener('reload', () => handlers.published());
  source.addEventListener('build-ok', () => handlers.succeeded());
  source.addEventListener('build-error', (event) => {
    handlers.failed(JSON.parse((event as MessageEvent<string>).data) as string);
  });
  // A 404 (a plain static host) closes the stream for good; a dropped connection retries.
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) source.close();
  });
}
