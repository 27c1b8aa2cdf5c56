/** Node-only helpers: files, folders, worker threads. */
export * from './index.js';
