export * from './constants.ts';
export * from './codec.ts';
export * from './elements.ts';
export * from './frame-reader.ts';
export * from './session.ts';
export * from './authenticate.ts';
