/**
 * How every handler builds its `deps`: an object whose properties are resolved
 * on first read from the wiring and the configuration, so importing a handler
 * builds nothing and a cold start creates only the clients the invocation uses.
 * Each handler names its own wiring, so its bundle holds only those adapters.
 */
export function lazyDeps<T extends object>(thunks: { [K in keyof T]: () => T[K] }): T {
  const deps = {} as T;
  for (const key of Object.keys(thunks) as (keyof T & string)[]) {
    Object.defineProperty(deps, key, { enumerable: true, get: thunks[key] });
  }
  return deps;
}
