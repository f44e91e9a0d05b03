export * from './data';
export * from './definition';
