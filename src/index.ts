// seal's public API.
export * from './backend/index.js';
