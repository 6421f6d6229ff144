export * from './runtime-config.ts';
export type { Env } from '../util/env-parse.ts';
export * from './import-config.ts';
export * from './admin-config.ts';
