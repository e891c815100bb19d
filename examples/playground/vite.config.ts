import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: './',
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    // The example executables are fetched as files, never inlined into the scripts.
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { main: here('index.html'), bench: here('bench.html') },
    },
  },
  worker: { format: 'es' },
});
