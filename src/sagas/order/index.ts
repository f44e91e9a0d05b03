export * from './data';
export * from './definition';
export * from './amounts';
export * from './contract';
export * from './http-commands';
export * from './module';
