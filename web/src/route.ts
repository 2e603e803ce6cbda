import { useEffect, useState } from 'preact/hooks';

/** The page the hash names: `#/` the jobs, `#/jobs/<id>` one job. */
export type Route = { page: 'jobs' } | { page: 'job'; id: string };

export function parseRoute(hash: string): Route {
  const m = /^#\/jobs\/([0-9a-fA-F-]{36})$/.exec(hash);
  return m?.[1] !== undefined ? { page: 'job', id: m[1] } : { page: 'jobs' };
}

export const jobHref = (id: string): string => `#/jobs/${id}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
