// Runs the page's thread choice (web/src/runtimes/threads.ts) in Node on made-up batch times.
// Usage: node threads_ts.cjs WEB_DIR OUT_DIR < SCENARIO.json
// SCENARIO: {"warmup": {"1": [ms, ...], "2": [...]}, "phases": [[batches, {"1": ms, "2": ms}], ...]}
// Prints a JSON list: the thread count each batch ran on, phase after phase.
const fs = require('fs');
const path = require('path');

const [webDir, outDir] = process.argv.slice(2).map((directory) => path.resolve(directory));
const { ThreadChoice } = require('./web_modules.cjs').transpileWeb(webDir, outDir)('runtimes/threads.js');
const { warmup, phases } = JSON.parse(fs.readFileSync(0, 'utf8'));
const choice = new ThreadChoice(new Map(Object.entries(warmup).map(([count, times]) => [Number(count), times])));
const ran = [];
for (const [batches, times] of phases) {
  for (let batch = 0; batch < batches; batch++) {
    const count = choice.next();
    choice.record(count, times[count]);
    ran.push(count);
  }
}
console.log(JSON.stringify({ ran, trial: choice.trial }));
