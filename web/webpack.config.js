// Builds the page: one script with the classifier worker inlined (a blob: URL), so the
// site needs no second file and the worker cannot get out of step with the page.
const path = require('path');

module.exports = (env = {}) => ({
  mode: 'production',
  entry: { app: path.resolve(__dirname, 'src/main.ts') },
  output: {
    path: path.resolve(env.outputDir || path.join(__dirname, 'dist')),
    filename: '[name].[contenthash:12].js',
    // The worker's lazily loaded backends; content-hashed like the script, so a publish never
    // overwrites a file a page may be loading.
    chunkFilename: '[name].[contenthash:12].js',
    // The page knows its own URL; the inlined worker does not (it runs from a blob:).
    publicPath: '',
    clean: true,
  },
  // With `--env cacheDir=DIR` (the bundle task gives one), modules and minified chunks that
  // did not change come from the last build instead of being compiled again: an edit of the
  // page rebuilds in seconds. Compressed: a third slower to read, a quarter of the size.
  cache: env.cacheDir
    ? {
        type: 'filesystem',
        cacheDirectory: path.resolve(env.cacheDir),
        compression: 'gzip',
        buildDependencies: { config: [__filename] },
      }
    : false,
  resolve: { extensions: ['.ts', '.js'] },
  module: {
    rules: [
      // `import Worker from './x?worker'`. Must come before ts-loader's rule: it hands the
      // worker's module (compiled by ts-loader) to a child compiler and inlines the result.
      { resourceQuery: /^\?worker$/, loader: 'worker-loader', options: { inline: 'no-fallback' } },
      { test: /\.ts$/, loader: 'ts-loader', options: { onlyCompileBundledFiles: true } },
    ],
  },
  optimization: {
    minimizeOptions: {
      // The WASM backend starts its threads from the source text of one of its functions,
      // which must keep its `typeof x === 'undefined'` guards for names only the page has.
      javascript: { compress: { passes: 2, typeofs: false } },
    },
  },
  performance: { hints: false },
  stats: 'errors-warnings',
});
