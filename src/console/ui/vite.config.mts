import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Two pages: the console (index.html, served at /) and GraphiQL (graphiql.html, served at GET
 * /graphql for browsers), bundled into dist/console with every asset, so nothing loads from a CDN.
 * `npm run console:dev` serves them with live reload, proxying the API to a
 * service on port 8095.
 */
export default defineConfig({
  root: here('.'),
  base: '/',
  build: {
    outDir: here('../../../dist/console'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 6000,
    rollupOptions: {
      input: { index: here('index.html'), graphiql: here('graphiql.html') },
      // GraphiQL's UI library marks files "use client" (a React Server Components hint that means nothing here).
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: { proxy: { '/graphql': { target: 'http://127.0.0.1:8095', ws: true } } },
});
