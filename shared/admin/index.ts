// The admin service and what it hands out (docs/admin-api.md); the HTTP router over it is in ./http.
export * from './admin-service.ts';
export * from './device-changes.ts';
export * from './redaction.ts';
