// Holds webpack (given as NODE_OPTIONS=--require) until doit is stopped; see stop_point.py.
if (process.env.STOP_POINT === 'webpack') {
  require('fs').writeFileSync(process.env.STOP_POINT_REACHED, '');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120000);
}
