#!/usr/bin/env node
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'src', 'client', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('vtmigrate is not built yet; run: npm run build (or npm run setup && npm run build)\n');
  process.exit(1);
}
require(entry).main(process.argv).catch((err) => {
  process.stderr.write(`Error: ${err && err.message ? err.message : err}\n`);
  process.exitCode = 1;
});
