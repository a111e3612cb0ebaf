/**
 * The HTML report opens in a real headless Chromium (Debian's package, see
 * scripts/ensure-chromium.sh, driven by playwright-core): it renders, shows
 * its charts, loads nothing from outside, and logs no console error. The
 * screenshot is kept as an artifact: .artifacts/rehearsal/report.png.
 *
 * Without a Chromium this test FAILS in CI (process.env.CI set) and is
 * skipped loudly elsewhere.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { loadProfile } from "../../stacks/rollout/rehearsal/profiles.js";
import { rehearsalHtml } from "../../stacks/rollout/rehearsal/report/html.js";
import { prodEnvironment, rehearseCase } from "./support/rehearse.js";

const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
const executablePath = CANDIDATES.find((p): p is string => !!p && existsSync(p));
const inCi = !!process.env.CI;
const ARTIFACTS = resolve(".artifacts/rehearsal");
const SCREENSHOT = resolve(ARTIFACTS, "report.png");

if (!executablePath && !inCi) {
  console.warn(
    "\n*** SKIPPED test/rehearsal/report-page.test.ts: no Chromium found (tried " +
      CANDIDATES.filter(Boolean).join(", ") +
      "). Run scripts/ensure-chromium.sh or set CHROMIUM_PATH. In CI this is a failure. ***\n",
  );
}

describe("the HTML report in headless Chromium", () => {
  it.skipIf(!executablePath && !inCi)(
    "renders its summary and charts with no console error and no outside request",
    async () => {
      if (!executablePath) {
        throw new Error(
          "CI is set but no Chromium was found: .ci/run must call scripts/ensure-chromium.sh",
        );
      }
      const env = await prodEnvironment();
      // What `npm run rehearse` shows: the example environment with its traffic profile.
      const { profile } = loadProfile("prod", 1);
      const rehearsal = await rehearseCase(env, { fault: { kind: "error-spike" }, profile });
      const htmlPath = resolve(ARTIFACTS, "page-test", "report.html");
      mkdirSync(dirname(htmlPath), { recursive: true });
      writeFileSync(htmlPath, rehearsalHtml(rehearsal));

      const browser = await chromium.launch({
        executablePath,
        // Root in containers cannot use Chromium's sandbox; the page is our own local file.
        args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
        const problems: string[] = [];
        const requests: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error") problems.push(`console.error: ${m.text()}`);
        });
        page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
        page.on("request", (r) => requests.push(r.url()));
        await page.goto(pathToFileURL(htmlPath).href, { waitUntil: "load" });

        expect(await page.title()).toMatch(/Rehearsal of prod: error spike/);
        expect(await page.locator("#verdict").innerText()).toMatch(/OK \(contained\)/);
        expect(await page.locator("#summary tbody tr").count()).toBe(4);
        const charts = page.locator("svg.chart");
        expect(await charts.count()).toBe(5);
        for (let i = 0; i < 5; i++) {
          const box = await charts.nth(i).boundingBox();
          expect(box?.width ?? 0).toBeGreaterThan(500);
          expect(box?.height ?? 0).toBeGreaterThan(60);
        }
        expect(
          await page.locator("#exposure-chart rect.exposure-bar").count(),
        ).toBeGreaterThanOrEqual(4);
        expect(await page.locator("#timeline-plan rect.failing").count()).toBeGreaterThan(0);
        expect(await page.locator("#timeline-plan circle.decision").count()).toBeGreaterThan(3);

        await page.screenshot({ path: SCREENSHOT, fullPage: true });
        expect(problems).toEqual([]);
        expect(requests.filter((u) => !u.startsWith("file://"))).toEqual([]);
        expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
      } finally {
        await browser.close();
      }
    },
  );
});
