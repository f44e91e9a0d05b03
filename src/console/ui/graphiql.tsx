import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { createRoot } from 'react-dom/client';

/**
 * GraphiQL for this service, bundled (no CDN). The API key the console signed in with (same tab)
 * fills the Authorization header; whatever the headers editor says is used for HTTP and for the
 * subscription socket alike.
 */
const url = `${location.origin}/graphql`;
const subscriptionUrl = url.replace(/^http/, 'ws');
const stored = sessionStorage.getItem('saga-console.apiKey');

const fetchers = new Map<string, Fetcher>();
const fetcherFor = (authorization: string) => {
  let fetcher = fetchers.get(authorization);
  if (!fetcher) {
    // HTTP requests carry the editor's headers already; the socket needs them in connection_init.
    fetcher = createGraphiQLFetcher({ url, subscriptionUrl, wsConnectionParams: { authorization } });
    fetchers.set(authorization, fetcher);
  }
  return fetcher;
};
const fetcher: Fetcher = (params, options) => {
  const headers = (options?.headers ?? {}) as Record<string, string>;
  const authorization = headers.Authorization ?? headers.authorization ?? '';
  return fetcherFor(authorization)(params, options);
};

createRoot(document.getElementById('graphiql')!).render(
  <GraphiQL
    fetcher={fetcher}
    defaultHeaders={JSON.stringify({ Authorization: `Bearer ${stored ?? '<your API key>'}` }, null, 2)}
    defaultQuery={'# Send your API key in the Headers tab below.\n{\n  me { actor roles }\n  serviceInfo { name version transport database }\n}\n'}
  />,
);
