// Runs the page's hands reading (web/src/apps/shogi-board/hands.ts) in Node on raw RGBA
// files, for comparison with pipeline/shogi/hands.py.
// Usage: node hands_ts.cjs WEB_DIR OUT_DIR < IMAGES.json
// IMAGES is a JSON list of {"file", "width", "height", "grid": [left, top, right, bottom],
// "size", "labels"}: `labels` is what the model is taken to say of the pieces found, in
// order ([label, score] each, as many as there are). Prints a JSON list with, for each, the
// boxes of the pieces findHands found and what handsFrom read, and writes the pieces' crops
// (SIZE x SIZE RGB float32 each) to FILE.crops.
const fs = require('fs');

const [webDir, outDir] = process.argv.slice(2);
const { findHands, handCrops, handsFrom } = require('./web_modules.cjs').transpileWeb(webDir, outDir)('apps/shogi-board/hands.js');

const images = JSON.parse(fs.readFileSync(0, 'utf8'));
const results = images.map(({ file, width, height, grid, size, labels }) => {
  const image = { width, height, data: new Uint8ClampedArray(fs.readFileSync(file)) };
  const box = { left: grid[0], top: grid[1], right: grid[2], bottom: grid[3] };
  const found = findHands(image, box);
  const crops = handCrops(image, box, found, size);
  fs.writeFileSync(`${file}.crops`, Buffer.concat(crops.map((crop) => Buffer.from(crop.rgb.buffer))));
  const read = handsFrom(found, found.pieces.map((_, index) => labels[index % labels.length]).map(([label, score]) => ({ label, score })));
  return { pieces: found.pieces.map((piece) => [piece.left, piece.top, piece.right, piece.bottom]), read };
});
console.log(JSON.stringify(results));
