// Bundles one entry of test/bundle for the browser with Vite (in its own process, away from the
// test runner's module settings) and prints a JSON report: modules Vite had to replace with its
// browser stub (Node built-ins), `node:` specifiers left in the code, and the sizes.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, createLogger } from 'vite';

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = process.argv[2];
const externalized = [];
const logger = createLogger('error');
const output = await build({
  configFile: false,
  root,
  logLevel: 'error',
  customLogger: logger,
  build: {
    write: false,
    minify: true,
    target: 'es2022',
    lib: { entry: join(root, 'test', 'bundle', entry), formats: ['es'], fileName: 'bundle' },
    rollupOptions: {
      onwarn(warning, warn) {
        if (/externalized for browser compatibility|node:/.test(warning.message)) {
          externalized.push(warning.message.replace(/\. See https:.*$/, ''));
        } else warn(warning);
      },
    },
  },
});
let code = '';
for (const out of Array.isArray(output) ? output : [output]) {
  for (const chunk of out.output) if (chunk.type === 'chunk') code += chunk.code;
}
const nodeImports = [...new Set(code.match(/["']node:[a-z_/]+["']/g) ?? [])];
process.stdout.write(
  JSON.stringify({
    externalized,
    nodeImports,
    bytes: Buffer.byteLength(code),
    gzipBytes: gzipSync(code, { level: 9 }).length,
  }),
);
