// Runs the page's board reading (web/src/apps/shogi-board/board.ts: grid search, square cutting) in Node on
// raw RGBA files, for comparison with Python.
// Usage: node board_ts.cjs WEB_DIR OUT_DIR SIZE IMAGE.rgba:WIDTH:HEIGHT...
// Prints one JSON line per image: the grid [left, top, right, bottom], or {"error": message};
// writes the 81 squares of a found grid (SIZE x SIZE RGB float32 each) to IMAGE.rgba.squares.
const fs = require('fs');
const path = require('path');

const [webDir, outDir, size, ...images] = process.argv.slice(2);
const ts = require(path.join(webDir, 'node_modules', 'typescript'));
const APP = 'apps/shogi-board';
const files = ['board.ts', 'grid.ts', 'labels.ts', 'board-geometry.json'].map((name) => `${APP}/${name}`);
for (const name of [...files, 'resample.ts']) {
  const source = fs.readFileSync(path.join(webDir, 'src', name), 'utf8');
  fs.mkdirSync(path.dirname(path.join(outDir, name)), { recursive: true });
  const output = name.endsWith('.ts')
    ? ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      }).outputText
    : source;
  fs.writeFileSync(path.join(outDir, name.replace(/\.ts$/, '.js')), output);
}
const { cutSquares, locateGrid } = require(path.join(outDir, APP, 'board.js'));

async function main() {
  for (const spec of images) {
    const [file, width, height] = spec.split(':');
    const image = { width: Number(width), height: Number(height), data: new Uint8ClampedArray(fs.readFileSync(file)) };
    try {
      const grid = await locateGrid(image);
      const squares = await cutSquares(image, grid, Number(size));
      fs.writeFileSync(`${file}.squares`, Buffer.concat(squares.map((square) => Buffer.from(square.rgb.buffer))));
      console.log(JSON.stringify([grid.left, grid.top, grid.right, grid.bottom]));
    } catch (error) {
      console.log(JSON.stringify({ error: error.message }));
    }
  }
}

main();
