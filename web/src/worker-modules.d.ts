// `?worker` imports become a Worker constructor (worker-loader, see webpack.config.js).
declare module '*?worker' {
  class InlineWorker extends Worker {
    constructor();
  }
  export default InlineWorker;
}
