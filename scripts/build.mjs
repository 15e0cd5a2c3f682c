// Bundles the VS Code client, the language server and the CLI into dist/ with esbuild,
// and copies the Cedar engine's wasm next to the bundles that load it (they read it from __dirname).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const dist = path.join(root, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(path.join(dist, 'client'), { recursive: true });

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const common = {
  define: { __VERSION__: JSON.stringify(pkg.version) },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  // jsonc-parser's main entry is a UMD build whose require() calls esbuild cannot follow; its ESM build bundles.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
};

await Promise.all([
  esbuild.build({ ...common, entryPoints: [path.join(root, 'client/src/extension.ts')], outfile: path.join(dist, 'client/extension.js'), external: ['vscode'] }),
  // The language server: a router on the main thread (server.js) and the analysis in a worker thread (analysis.js).
  esbuild.build({ ...common, entryPoints: [path.join(root, 'server/src/main.ts')], outfile: path.join(dist, 'server.js') }),
  esbuild.build({ ...common, entryPoints: [path.join(root, 'server/src/server.ts')], outfile: path.join(dist, 'analysis.js') }),
  esbuild.build({ ...common, entryPoints: [path.join(root, 'server/src/cli.ts')], outfile: path.join(dist, 'cli.js'), banner: { js: '#!/usr/bin/env node' } }),
]);

// The engine's nodejs build reads `${__dirname}/cedar_wasm_bg.wasm`; after bundling __dirname is dist/.
const wasm = path.join(path.dirname(require.resolve('@cedar-policy/cedar-wasm/nodejs')), 'cedar_wasm_bg.wasm');
fs.copyFileSync(wasm, path.join(dist, 'cedar_wasm_bg.wasm'));
fs.chmodSync(path.join(dist, 'cli.js'), 0o755);
console.log(`built dist/ (${production ? 'production' : 'development'})`);
