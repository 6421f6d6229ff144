export * from './constants.ts';
export * from './codec.ts';
export * from './elements.ts';
export * from './frame-reader.ts';
