/**
 * Bundles the in-cluster agents (sample service, load agent, node sampler) into single
 * CommonJS files under dist/agent-bundles/, for the ConfigMap the Kubernetes backend ships
 * them in (a stock node image runs them; no image of our own).
 *
 * Two things CommonJS output cannot take are adapted here:
 * - `import.meta.url` (used by isMainModule): defined as the bundle's own file URL.
 * - top-level `await` in the agents' main blocks: the trailing `if (isMainModule(...)) {…}`
 *   block is wrapped in an async IIFE at bundle time. (Writing those blocks as
 *   `main().catch(…)` in the sources would make this step unnecessary.)
 *
 * Usage: node scripts/build-agent-bundles.mjs [outDir]   (also exported: buildAgentBundles)
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const agentEntries = {
  'sample-service': 'src/agents/sample-service.ts',
  'load-agent': 'src/agents/load-agent.ts',
  'node-sampler': 'src/agents/node-sampler-agent.ts',
};

const mainBlock = '\nif (isMainModule(import.meta.url)) {';

/** Wraps the file's trailing main block, which may use top-level await, in an async IIFE. */
export function wrapTopLevelAwait(source) {
  const start = source.lastIndexOf(mainBlock);
  if (start < 0 || !/\bawait\b/.test(source.slice(start))) return source;
  const body = source.slice(start + mainBlock.length).replace(/}\s*$/, '');
  return `${source.slice(0, start)}${mainBlock}\n  void (async () => {${body}  })();\n}\n`;
}

const wrapPlugin = {
  name: 'wrap-top-level-await',
  setup(build) {
    build.onLoad({ filter: /src[\\/]agents[\\/][^\\/]+\.ts$/ }, async (args) => ({
      contents: wrapTopLevelAwait(await readFile(args.path, 'utf8')),
      loader: 'ts',
    }));
  },
};

export async function buildAgentBundles(outDir = path.join(root, 'dist', 'agent-bundles')) {
  const sizes = {};
  for (const [name, entry] of Object.entries(agentEntries)) {
    const outfile = path.join(outDir, `${name}.cjs`);
    const result = await esbuild.build({
      entryPoints: [path.join(root, entry)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      legalComments: 'none',
      logLevel: 'warning',
      metafile: true,
      banner: { js: 'const __meshbenchBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
      define: { 'import.meta.url': '__meshbenchBundleUrl' },
      plugins: [wrapPlugin],
    });
    sizes[name] = Object.values(result.metafile.outputs)[0].bytes;
  }
  return sizes;
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const sizes = await buildAgentBundles(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  for (const [name, bytes] of Object.entries(sizes)) process.stdout.write(`agent bundle ${name}.cjs: ${bytes} bytes\n`);
}
