// Runs the page's position module (web/src/apps/shogi-board/position.ts) in Node, for
// comparison with pipeline/shogi/position.py.
// Usage: node position_ts.cjs WEB_DIR OUT_DIR < CALLS.json
// CALLS is a JSON list of [function name, argument] (writeSfen, parseSfen, writeBod, parseBod,
// positionWarnings); prints a JSON list with, for each call, {"value": what it returned} or
// {"error": the message of the PositionError it threw}. Any other error fails the run.
const fs = require('fs');
const path = require('path');

const [webDir, outDir] = process.argv.slice(2).map((directory) => path.resolve(directory));
const ts = require(path.join(webDir, 'node_modules', 'typescript'));

// The whole of web/src, so that whatever position.ts imports is there.
function transpile(directory) {
  for (const entry of fs.readdirSync(path.join(webDir, 'src', directory), { withFileTypes: true })) {
    const name = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      transpile(name);
    } else if (name.endsWith('.ts') || name.endsWith('.json')) {
      const source = fs.readFileSync(path.join(webDir, 'src', name), 'utf8');
      const output = name.endsWith('.ts')
        ? ts.transpileModule(source, {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
          }).outputText
        : source;
      fs.mkdirSync(path.join(outDir, directory), { recursive: true });
      fs.writeFileSync(path.join(outDir, name.replace(/\.ts$/, '.js')), output);
    }
  }
}

transpile('');
const position = require(path.join(outDir, 'apps', 'shogi-board', 'position.js'));
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
