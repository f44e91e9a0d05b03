import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express from 'express';

/**
 * Serves the browser console (`/`) and GraphiQL (`GET /graphql` asked for HTML) from the files
 * `npm run build` puts in dist/console. Mount it before the GraphQL middleware: a browser's GET
 * of /graphql then gets GraphiQL, while API calls (POST, or GET without text/html) pass through.
 */
export function mountConsole(app: express.Express, graphqlPath = '/graphql', dir = consoleDir()): void {
  const built = existsSync(join(dir, 'index.html'));
  const notBuilt = (_req: express.Request, res: express.Response) => {
    res.status(503).type('text/plain').send('The console is not built: run `npm run build`.\n');
  };
  app.get(graphqlPath, (req, res, next) => {
    // API clients that send no Accept header (curl) or ask for JSON get the API.
    if (req.accepts(['json', 'html']) !== 'html') return next();
    if (!built) return notBuilt(req, res);
    res.sendFile(join(dir, 'graphiql.html'), { headers: { 'cache-control': 'no-cache' } });
  });
  if (!built) {
    app.get('/', notBuilt);
    return;
  }
  // Hashed asset names never change content, so they may be cached for good; the pages may not.
  app.use('/assets', express.static(join(dir, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }));
  app.get('/', (_req, res) => { res.sendFile(join(dir, 'index.html'), { headers: { 'cache-control': 'no-cache' } }); });
}

/** dist/console of the project, found from this file whether it runs compiled (dist/src/console) or from source (src/console). */
function consoleDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'console');
}
