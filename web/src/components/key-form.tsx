import { useState } from 'preact/hooks';
import { Api, ApiError } from '../api';

/** Asks for an API key and checks it against the API before keeping it. */
export function KeyForm({ onKey }: { onKey: (key: string) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await new Api(key.trim()).listJobs(1);
      onKey(key.trim());
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? 'This key was not accepted.'
          : `The API could not be reached: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card narrow" aria-labelledby="key-title">
      <h1 id="key-title">Sign in with an API key</h1>
      <p>
        The key stays in this tab only (session storage) and is sent to this server's API alone.
      </p>
      <form onSubmit={(e) => void submit(e)}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          required
          value={key}
          aria-invalid={error !== null}
          aria-describedby={error !== null ? 'key-error' : undefined}
          onInput={(e) => setKey(e.currentTarget.value)}
        />
        {error !== null && (
          <p id="key-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Checking…' : 'Open dashboard'}
        </button>
      </form>
    </section>
  );
}
