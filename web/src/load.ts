import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage, get } from './api.js';
import type { OperationInfo, PolicyAnswer } from './types.js';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  /** Loads again, keeping the current data on screen meanwhile. */
  reload(): void;
}

/** Fetches `path` (null: nothing yet) and keeps the newest answer only. */
export function useGet<T>(path: string | null): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const latest = useRef(0);

  useEffect(() => {
    if (path === null) return;
    const id = ++latest.current;
    setLoading(true);
    get<T>(path).then(
      (d) => {
        if (id !== latest.current) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (id !== latest.current) return;
        setError(errorMessage(e));
        setLoading(false);
      },
    );
  }, [path, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

// The catalog and the policy only change when the server restarts: one request per page load.
let catalog: Promise<OperationInfo[]> | undefined;
let policy: Promise<PolicyAnswer> | undefined;

function useOnce<T>(make: () => Promise<T>): T | undefined {
  const [value, setValue] = useState<T>();
  useEffect(() => {
    let live = true;
    make().then(
      (v) => live && setValue(v),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [make]);
  return value;
}

const loadCatalog = () => {
  catalog ??= get<{ operations: OperationInfo[] }>('/api/operations').then(
    (a) => a.operations,
    (e: unknown) => {
      catalog = undefined;
      throw e;
    },
  );
  return catalog;
};

const loadPolicy = () => {
  policy ??= get<PolicyAnswer>('/api/policy').catch((e: unknown) => {
    policy = undefined;
    throw e;
  });
  return policy;
};

export const useCatalog = () => useOnce(loadCatalog);
export const usePolicy = () => useOnce(loadPolicy);

/** Forget what belonged to the previous agent (another login may have another level). */
export function forgetCaches(): void {
  catalog = undefined;
  policy = undefined;
}
