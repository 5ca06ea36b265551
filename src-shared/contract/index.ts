export * from './define';
export * from './envelope';
export * from './events';
export * from './frames';
export * from './runtime-views';
export * from './methods';
export * from './views';
export * from './fleet-views';
