export * from './sign-messages.ts';
export * from './sign-service.ts';
export * from './sign-client.ts';
