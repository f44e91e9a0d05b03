export * from './data';
export * from './definition';
export * from './amounts';
