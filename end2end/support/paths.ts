import * as path from 'node:path';

/** The end2end directory (where playwright.config.ts lives). */
export const E2E_DIR = path.resolve(__dirname, '..');

/** Scratch directory for one run: wiped and recreated before the servers start. */
export const RUN_DIR = path.join(E2E_DIR, '.run');

/** Where smtp_sink.py stores the messages the portal sends. */
export const MAIL_DIR = path.join(RUN_DIR, 'mail');

/** SQLite database file the portal under test uses. */
export const DB_FILE = path.join(RUN_DIR, 'e2e.db');

export const SMTP_SINK_PORT = 2526;
export const PORTAL_ADDR = '127.0.0.1:3100';
export const PORTAL_URL = `http://${PORTAL_ADDR}`;
