// The page's TypeScript (all of WEB_DIR/src) transpiled to CommonJS in OUT_DIR, so that tests
// can run its modules in Node and compare them with the Python that does the same.
const fs = require('fs');
const path = require('path');

function transpileWeb(webDir, outDir, directory = '') {
  const ts = require(path.join(webDir, 'node_modules', 'typescript'));
  for (const entry of fs.readdirSync(path.join(webDir, 'src', directory), { withFileTypes: true })) {
    const name = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      transpileWeb(webDir, outDir, name);
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
  return (module) => require(path.resolve(outDir, module));
}

module.exports = { transpileWeb };
