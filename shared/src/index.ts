export * from './bounds.js';
export * from './keepalive-math.js';
export * from './connection.js';
export * from './protocol.js';
export * from './api.js';
export * from './text-lines.js';
export * from './filter.js';
export * from './advisories.js';
