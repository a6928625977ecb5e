// Runs web/src/grid.ts's findGrid in Node on raw RGBA files, for comparison with Python.
// Usage: node grid_ts.cjs WEB_DIR OUT_DIR IMAGE.rgba:WIDTH:HEIGHT...
// Prints one JSON line per image: [left, top, right, bottom] or {"error": message}.
const fs = require('fs');
const path = require('path');

const [webDir, outDir, ...images] = process.argv.slice(2);
const ts = require(path.join(webDir, 'node_modules', 'typescript'));
for (const name of ['grid.ts', 'board-geometry.json']) {
  const source = fs.readFileSync(path.join(webDir, 'src', name), 'utf8');
  const output = name.endsWith('.ts')
    ? ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      }).outputText
    : source;
  fs.writeFileSync(path.join(outDir, name.replace(/\.ts$/, '.js')), output);
}
const { findGrid, grayscale } = require(path.join(outDir, 'grid.js'));

async function main() {
  for (const spec of images) {
    const [file, width, height] = spec.split(':');
    const rgba = new Uint8ClampedArray(fs.readFileSync(file));
    try {
      const box = await findGrid(grayscale(rgba), Number(width), Number(height));
      console.log(JSON.stringify([box.left, box.top, box.right, box.bottom]));
    } catch (error) {
      console.log(JSON.stringify({ error: error.message }));
    }
  }
}

main();
