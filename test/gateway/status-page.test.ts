import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import {
  startTestGateway,
  startTestService,
  type TestGateway,
  type TestService,
} from '../support/stack';
import { waitFor } from '../support/wait';

const SCREENSHOTS = join(__dirname, '..', '..', '.data', 'screenshots');

/**
 * The gateway's status page and GraphiQL in a real headless Chromium (Debian's `chromium`): the
 * page shows each subgraph's state and figures and turns a stopped subgraph red within seconds;
 * GraphiQL renders from the gateway's own assets with no internet access.
 */
describe('status page and GraphiQL in a browser', () => {
  let residents: TestService;
  let facilities: TestService;
  let gw: TestGateway;
  let browser: Browser;
  let origin: string;
  let facilitiesStopped = false;

  beforeAll(async () => {
    [residents, facilities] = await Promise.all([
      startTestService('residents'),
      startTestService('facilities'),
    ]);
    gw = await startTestGateway(
      { residents: residents.service, facilities: facilities.service },
      { env: { STATUS_POLL_MS: '300' } },
    );
    origin = new URL(gw.url).origin;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await gw.stop();
    await residents.stop();
    if (facilitiesStopped) await facilities.database.drop();
    else await facilities.stop();
  });

  it('when a subgraph stops, then its row on the status page turns red within seconds', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 520 } });
    try {
      const staff = await gw.token(['staff']);
      for (let i = 0; i < 5; i++) await gw.query('{ grids { id } }', {}, staff);
      await page.goto(`${origin}/status`);
      await page.waitForSelector('tr[data-subgraph="residents"].up', { timeout: 10_000 });
      await page.waitForSelector('tr[data-subgraph="facilities"].up', { timeout: 10_000 });
      const row = await page.$eval('tr[data-subgraph="residents"]', (tr) =>
        [...tr.querySelectorAll('td')].map((td) => td.textContent),
      );
      // name, state, version, schema hash: the figures come from the subgraph itself.
      expect(row.slice(0, 3)).toEqual(['residents', 'up', 'dev']);
      expect(row[3]).toMatch(/^[0-9a-f]{12}$/);

      // It stops accepting at once, then drains Kafka and its pool; the page must not wait for that.
      const stoppedAt = Date.now();
      const stopping = facilities.service.stop();
      facilitiesStopped = true;
      // The row is redrawn on every refresh: wait for the drawn row itself to be red.
      const RED = 'rgb(200, 54, 46)';
      await page.waitForFunction(
        `(() => {
          const td = document.querySelector('tr[data-subgraph="facilities"].down .state');
          return td !== null && getComputedStyle(td).backgroundColor === '${RED}';
        })()`,
        undefined,
        { timeout: 10_000 },
      );
      const seconds = (Date.now() - stoppedAt) / 1000;
      await stopping;
      expect(await page.$eval('tr[data-subgraph="residents"]', (tr) => tr.className)).toBe('up');
      mkdirSync(SCREENSHOTS, { recursive: true });
      const file = join(SCREENSHOTS, 'status-page.png');
      await page.screenshot({ path: file, fullPage: true });
      expect(existsSync(file) && statSync(file).size > 1000).toBe(true);
      process.stdout.write(
        `status page: facilities turned red ${seconds.toFixed(1)} s after it stopped; screenshot ${file}\n`,
      );
    } finally {
      await page.close();
    }
  });

  it('when GraphiQL is opened in development, then it renders and runs a query with no request leaving the machine; production does not serve it', async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname !== '127.0.0.1') {
        outside.push(url.href);
        return route.abort();
      }
      return route.continue();
    });
    try {
      await page.goto(`${origin}/graphiql`);
      await page.waitForSelector('.graphiql-container', { timeout: 15_000 });
      await page.click('.graphiql-execute-button');
      await waitFor('the answer in the result pane', async () => {
        const text = await page.$eval('.graphiql-response', (el) => el.textContent ?? '');
        return text.includes('"grids"') ? true : undefined;
      });
      expect(outside).toEqual([]);
    } finally {
      await page.close();
    }
    const prod = await startTestGateway(
      { residents: residents.service },
      { env: { NODE_ENV: 'production' } },
    );
    try {
      const res = await fetch(`${new URL(prod.url).origin}/graphiql`);
      expect(res.status).toBe(404);
    } finally {
      await prod.stop();
    }
  });
});
