import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorMessage, getPath, type CallArgs, type GetKey } from './api.js';
import type { ApiAnswer, ApiContract, OperationInfo, PolicyAnswer } from './types.js';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  /** Loads again, keeping the current data on screen meanwhile. */
  reload(): void;
}

/**
 * Reads a GET route (`useGet('GET /api/outbox/:id', {params: {id}})`; a null key: nothing yet) and
 * keeps the newest answer only. It loads again when the path the input makes changes.
 */
export function useGet<K extends GetKey>(key: K | null, ...args: CallArgs<ApiContract[K]>): Loaded<ApiAnswer<K>> {
  type T = ApiAnswer<K>;
  const path = key === null ? null : api.path(key, ...args);
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const latest = useRef(0);

  useEffect(() => {
    if (path === null) return;
    const id = ++latest.current;
    setLoading(true);
    getPath(key!, path).then(
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
  catalog ??= api.call('GET /api/operations').then(
    // The input schemas are JSON Schema; the forms read the subset JsonSchema names.
    (a) => a.operations as OperationInfo[],
    (e: unknown) => {
      catalog = undefined;
      throw e;
    },
  );
  return catalog;
};

const loadPolicy = () => {
  policy ??= api.call('GET /api/policy').catch((e: unknown) => {
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
