export * from './bounds.js';
export * from './keepalive-math.js';
export * from './connection.js';
