// Runs the page's board reading (web/src/apps/shogi-board/board.ts: grid search, square cutting) in Node on
// raw RGBA files, for comparison with Python.
// Usage: node board_ts.cjs WEB_DIR OUT_DIR SIZE IMAGE.rgba:WIDTH:HEIGHT...
// Prints one JSON line per image: the grid [left, top, right, bottom], or {"error": message};
// writes the 81 squares of a found grid (SIZE x SIZE RGB float32 each) to IMAGE.rgba.squares.
const fs = require('fs');

const [webDir, outDir, size, ...images] = process.argv.slice(2);
const { cutSquares, locateGrid } = require('./web_modules.cjs').transpileWeb(webDir, outDir)('apps/shogi-board/board.js');

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
