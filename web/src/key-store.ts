const KEY = 'csv-ingest.api-key';

/** The API key lives in sessionStorage: gone when the tab closes, never sent anywhere but /v1. */
export const keyStore = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (key: string): void => sessionStorage.setItem(KEY, key),
  clear: (): void => sessionStorage.removeItem(KEY),
};
