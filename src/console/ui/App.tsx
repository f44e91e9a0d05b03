import { useEffect, useMemo, useState } from 'react';
import { createApi } from './api';
import { AuditPage } from './AuditPage';
import { BulkPage } from './BulkPage';
import { ConsoleMeDocument } from './generated';
import { SessionContext, useConnection, useRoute, useSession, type Session } from './hooks';
import { SagaList } from './SagaList';
import { SagaPage } from './SagaPage';
import { SignIn } from './SignIn';

/** Session storage: the key lives as long as the tab, never on disk across browser restarts. */
const KEY_ITEM = 'saga-console.apiKey';

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [stored] = useState(() => sessionStorage.getItem(KEY_ITEM));
  const signIn = async (apiKey: string) => {
    const api = createApi(apiKey);
    try {
      const { me } = await api.request(ConsoleMeDocument, {});
      sessionStorage.setItem(KEY_ITEM, apiKey);
      setSession({ api, actor: me.actor, roles: me.roles });
    } catch (error) {
      api.close();
      sessionStorage.removeItem(KEY_ITEM);
      throw error;
    }
  };
  const signOut = () => {
    sessionStorage.removeItem(KEY_ITEM);
    session?.api.close();
    setSession(null);
  };
  if (!session) return <SignIn initialKey={stored} onSignIn={signIn} />;
  return (
    <SessionContext.Provider value={session}>
      <Shell onSignOut={signOut} />
    </SessionContext.Provider>
  );
}

function Shell({ onSignOut }: { onSignOut(): void }) {
  const { actor, roles } = useSession();
  const route = useRoute();
  const live = useConnection();
  const page = useMemo(() => {
    const saga = /^\/saga\/([^/]+)$/.exec(route);
    // Keyed by id: another saga starts with a fresh event log and stream.
    if (saga) return <SagaPage key={saga[1]} id={decodeURIComponent(saga[1])} />;
    if (route === '/bulk') return <BulkPage />;
    if (route === '/audit') return <AuditPage />;
    return <SagaList />;
  }, [route]);
  useEffect(() => { document.title = `Sagas · ${actor}`; }, [actor]);
  return (
    <>
      <header className="top">
        <strong>saga-control-plane</strong>
        <nav>
          <a href="#/">Sagas</a>
          <a href="#/bulk">Bulk</a>
          <a href="#/audit">Audit log</a>
          <a href="/graphql" target="_blank" rel="noreferrer">GraphiQL</a>
        </nav>
        <span className={live ? 'live on' : 'live'} data-testid="connection">{live ? 'live' : 'connecting…'}</span>
        <span className="who" data-testid="who">{actor} ({roles.join(', ')})</span>
        <button onClick={onSignOut}>Sign out</button>
      </header>
      <main>{page}</main>
    </>
  );
}
