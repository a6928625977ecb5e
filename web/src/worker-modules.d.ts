// `?worker` imports become a Worker constructor (worker-loader, see webpack.config.js).
declare module '*?worker' {
  class InlineWorker extends Worker {
    constructor();
  }
  export default InlineWorker;
}

// Where webpack's runtime loads chunks from; the worker sets it (see classifier.worker.ts).
declare let __webpack_public_path__: string;
