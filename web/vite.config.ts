// Builds the single-page UI into web/dist, which the server serves at `/` with
// a strict CSP (script-src 'self'): no inline scripts, so no modulepreload polyfill.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1200,
    sourcemap: false,
  },
});
