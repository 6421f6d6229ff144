// A per-process cache of asynchronous loads (CA material, an issuer's CA certificates): each key is loaded once for
// the life of the container or process, and a failed load is forgotten so the next call tries again.
export function cachedLoader<T>(): (key: string, load: () => Promise<T>) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (key, load) => {
    let entry = cache.get(key);
    if (!entry) {
      entry = load();
      cache.set(key, entry);
      entry.catch(() => cache.delete(key));
    }
    return entry;
  };
}
