import { defineConfig } from 'vite';

// Preact's JSX through esbuild's automatic runtime: no framework plugin needed.
export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Everything stays a file of its own: the gateway's Content-Security-Policy allows no data: scripts.
    assetsInlineLimit: 0,
  },
  server: {
    // `pnpm --filter @ingest/dashboard dev`: the API of a gateway running on the usual port.
    proxy: { '/v1': 'http://127.0.0.1:8080' },
  },
});
