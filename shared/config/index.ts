export * from './runtime-config.ts';
export { type Env, MAX_ENV_VALUE_LENGTH } from './env-parse.ts';
