import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Api } from './api';
import { keyStore } from './key-store';
import { useRoute } from './route';
import { KeyForm } from './components/key-form';
import { JobsPage } from './components/jobs-page';
import { JobPage } from './components/job-page';
import { useUploads } from './upload/use-uploads';

export function App() {
  const [key, setKey] = useState(keyStore.get);
  const api = useMemo(() => (key === null ? null : new Api(key)), [key]);
  const route = useRoute();
  const uploads = useUploads(api);
  const main = useRef<HTMLElement>(null);

  // A new page moves the focus to its content, as a page load would for a screen reader.
  useEffect(() => main.current?.focus(), [route, key]);

  const forget = () => {
    keyStore.clear();
    setKey(null);
  };

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          csv-ingest
        </a>
        {api !== null && (
          <nav aria-label="Main">
            <a href="#/">Jobs</a>
            <button type="button" class="link" onClick={forget}>
              Forget key
            </button>
          </nav>
        )}
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {api === null ? (
          <KeyForm
            onKey={(k) => {
              keyStore.set(k);
              setKey(k);
            }}
          />
        ) : route.page === 'job' ? (
          <JobPage key={route.id} api={api} id={route.id} />
        ) : (
          <JobsPage api={api} uploads={uploads} />
        )}
      </main>
    </>
  );
}
