// Runs the page's glyph classifier (web/src/apps/shogi-board/glyphs.ts) in Node, for
// comparison with pipeline/shogi/glyphs.py.
// Usage: node glyphs_ts.cjs WEB_DIR OUT_DIR < FEATURES.json (a list of glyphs' features)
// Prints a JSON list of [class, probability], one for each glyph.
const fs = require('fs');

const [webDir, outDir] = process.argv.slice(2);
const { readGlyphs } = require('./web_modules.cjs').transpileWeb(webDir, outDir)('apps/shogi-board/glyphs.js');

const features = JSON.parse(fs.readFileSync(0, 'utf8'));
console.log(JSON.stringify(readGlyphs(features.map((glyph) => Float32Array.from(glyph))).map(({ name, probability }) => [name, probability])));
