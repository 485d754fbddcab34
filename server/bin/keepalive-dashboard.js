#!/usr/bin/env node
// The installed command. A committed file (dist/ is built after npm links
// bins), so `npx keepalive-dashboard` works right after `npm install`.
import '../dist/main.js';
