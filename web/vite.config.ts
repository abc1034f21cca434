import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: path.join(root, 'dist'),
    emptyOutDir: true,
    // The server's CSP allows scripts from 'self' only: no inline polyfill in index.html.
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: {
    // `npx vite web` during development: the API runs on `npm start` (port 8080 by default).
    proxy: { '/api': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' },
  },
});
