// The cluster's bounds, apart from cli/local/cluster.ts so option parsing does not load the listener and the store.

/** Listener worker processes one cluster may run. */
export const MAX_CLUSTER_WORKERS = 64;
