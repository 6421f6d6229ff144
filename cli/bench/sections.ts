// The parts `capf bench` can run, apart from results.ts so option parsing does not load the results schema.

export const BENCH_SECTIONS = ['issuance', 'ec', 'idle', 'store', 'bundles', 'monitor', 'console', 'bulk'] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];
