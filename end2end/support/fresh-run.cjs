// Deletes and recreates end2end/.run before the web servers start.
// Run from the webServer command chain in playwright.config.ts, because
// Playwright starts web servers before globalSetup runs.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const runDir = path.resolve(__dirname, '..', '.run');
fs.rmSync(runDir, { recursive: true, force: true });
fs.mkdirSync(path.join(runDir, 'mail'), { recursive: true });
console.log(`fresh-run: recreated ${runDir}`);
