export * from './runtime-config.ts';
export type { Env } from './env-parse.ts';
