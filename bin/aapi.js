#!/usr/bin/env node
// CommonJS (bin/package.json): the thin client is one file Node loads at once.
require('../dist/client.cjs').start();
