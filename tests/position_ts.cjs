// Runs the page's position module (web/src/apps/shogi-board/position.ts) in Node, for
// comparison with pipeline/shogi/position.py.
// Usage: node position_ts.cjs WEB_DIR OUT_DIR < CALLS.json
// CALLS is a JSON list of [function name, argument] (writeSfen, parseSfen, writeBod, parseBod,
// positionWarnings); prints a JSON list with, for each call, {"value": what it returned} or
// {"error": the message of the PositionError it threw}. Any other error fails the run.
const fs = require('fs');
const path = require('path');

const [webDir, outDir] = process.argv.slice(2).map((directory) => path.resolve(directory));
const load = require('./web_modules.cjs').transpileWeb(webDir, outDir);
const position = load('apps/shogi-board/position.js');
const calls = JSON.parse(fs.readFileSync(0, 'utf8'));
const results = calls.map(([name, argument]) => {
  try {
    return { value: position[name](argument) };
  } catch (error) {
    if (error instanceof position.PositionError) return { error: error.message };
    throw error;
  }
});
console.log(JSON.stringify(results));
