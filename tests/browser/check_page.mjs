// Loads the axum_server example page in headless Chromium and checks the
// outcome the page reports (see tests/browser/run.sh for the page contract).
//
// Usage: node check_page.mjs URL
// Env:   CHROMIUM (browser binary, default /usr/bin/chromium),
//        BROWSER_TIMEOUT (seconds to wait for document.title == "done", default 15),
//        IGNORE_CERT_ERRORS (1: launch with --ignore-certificate-errors, for a
//        self-signed certificate),
//        EXPECT_PAGE_PROTOCOL (e.g. h2: the protocol the page itself must have come
//        over, as its navigation entry's nextHopProtocol reports it)
// Exit:  0 when the page reached the expected state, 1 otherwise.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const EXPECT_ECHO = 'hello from the browser';
const EXPECT_STATUS = 'closed 1000 clean';
// The server is built with `deflate`: the browser's connection negotiates it, and the 4 KiB
// message (over the 1 KiB threshold) goes both ways compressed.
const EXPECT_EXTENSIONS = process.env.EXPECT_EXTENSIONS ?? 'permessage-deflate';
const EXPECT_BIG = 'identical';
const EXPECT_PAGE_PROTOCOL = process.env.EXPECT_PAGE_PROTOCOL || '';

const url = process.argv[2];
if (!url) {
  console.error('usage: node check_page.mjs URL');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const timeoutMs = 1000 * Number(process.env.BROWSER_TIMEOUT || 15);

// A throwaway profile, so no state leaks between runs.
const profile = mkdtempSync(join(tmpdir(), 'wscore-chromium-'));
let context;
let ok = false;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    timeout: 30000, // browser start-up
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ...(process.env.IGNORE_CERT_ERRORS === '1' ? ['--ignore-certificate-errors'] : []),
    ],
  });
  const page = context.pages()[0] || await context.newPage();
  // Keep the page's own diagnostics for the failure report.
  const console_lines = [];
  page.on('console', (m) => console_lines.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => console_lines.push(`page error: ${e.message}`));

  await page.goto(url, { timeout: timeoutMs, waitUntil: 'load' });
  console.log(`loaded ${url} in ${await page.evaluate(() => navigator.userAgent)}`);

  let timedOut = false;
  try {
    await page.waitForFunction(() => document.title === 'done', null, { timeout: timeoutMs });
  } catch (e) {
    timedOut = true;
  }
  const seen = await page.evaluate(() => ({
    title: document.title,
    echo: document.querySelector('#echo')?.textContent ?? null,
    extensions: document.querySelector('#extensions')?.textContent ?? null,
    big: document.querySelector('#big')?.textContent ?? null,
    status: document.querySelector('#status')?.textContent ?? null,
    protocol: performance.getEntriesByType('navigation')[0]?.nextHopProtocol ?? null,
  }));
  console.log(`observed: page over ${JSON.stringify(seen.protocol)} title=${JSON.stringify(seen.title)} #echo=${JSON.stringify(seen.echo)} #extensions=${JSON.stringify(seen.extensions)} #big=${JSON.stringify(seen.big)} #status=${JSON.stringify(seen.status)}`);

  const problems = [];
  if (timedOut) problems.push(`document.title did not become "done" within ${timeoutMs / 1000}s`);
  if (seen.echo === null) problems.push('no #echo element');
  else if (seen.echo.trim() !== EXPECT_ECHO) problems.push(`#echo is ${JSON.stringify(seen.echo)}, expected ${JSON.stringify(EXPECT_ECHO)}`);
  if (seen.status === null) problems.push('no #status element');
  if (!seen.extensions || !seen.extensions.trim().startsWith(EXPECT_EXTENSIONS)) problems.push(`#extensions is ${JSON.stringify(seen.extensions)}, expected ${JSON.stringify(EXPECT_EXTENSIONS)}`);
  if (seen.big?.trim() !== EXPECT_BIG) problems.push(`#big is ${JSON.stringify(seen.big)}, expected ${JSON.stringify(EXPECT_BIG)}`);
  if (!seen.status) problems.push('no #status');
  else if (seen.status.trim() !== EXPECT_STATUS) problems.push(`#status is ${JSON.stringify(seen.status)}, expected ${JSON.stringify(EXPECT_STATUS)}`);

  if (EXPECT_PAGE_PROTOCOL && seen.protocol !== EXPECT_PAGE_PROTOCOL) problems.push(`the page came over ${JSON.stringify(seen.protocol)}, expected ${JSON.stringify(EXPECT_PAGE_PROTOCOL)}`);

  if (problems.length) {
    for (const p of problems) console.error(`FAIL: ${p}`);
    for (const l of console_lines) console.error(`  ${l}`);
  } else {
    ok = true;
    console.log('PASS: echo and clean close observed in the browser');
  }
} catch (e) {
  console.error(`FAIL: ${e.message}`);
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
