export * from './define';
export * from './envelope';
export * from './events';
export * from './methods';
export * from './views';
