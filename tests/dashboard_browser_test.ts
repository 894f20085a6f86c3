/**
 * @module dashboard_browser_test — the tracker's dashboard in a real browser
 * (Debian's /usr/bin/chromium driven by playwright-core) during a real swarm:
 * the task, its progress reaching 100%, peers, the piece map and the origin
 * offload ratio as the page shows them; then a task with 1,001 peers. With
 * DFLY_UPDATE_SCREENSHOT=1 the screenshots replace docs/dashboard.png and
 * docs/dashboard-1000-peers.png.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import type { Overview } from "../wire.ts";
import { Harness, ROOT } from "./_harness.ts";
import { getVia, startAgent, startOrigin, startTracker } from "./_swarm.ts";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "dashboard-test-token";

Deno.test({
  name: "dashboard: a browser shows tasks, progress, piece map and offload of a live swarm",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    try {
      await Deno.stat(CHROMIUM);
    } catch {
      throw new Error(`${CHROMIUM} is missing: apt-get install chromium (CI does, see .ci/run)`);
    }
    await using h = new Harness();
    const origin = await startOrigin(h, "40MiB");
    const tracker = await startTracker(h, "--token", TOKEN, "--peer-ttl", "3s");
    const token = ["--token", TOKEN];
    const seed = await startAgent(h, "seed", tracker.url, "--seed", ...token);
    // Limited agents keep the swarm busy for a few seconds while the page watches.
    const agents = await Promise.all(
      ["a", "b", "c"].map((n) =>
        startAgent(h, n, tracker.url, "--download-limit", "8MiB", "--idc", "rack-1", ...token)
      ),
    );

    // playwright gives each launch a fresh profile (--user-data-dir) of its own.
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    h.defer(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(String(err)));

    // The page itself needs no token; its JSON calls carry the one in the fragment.
    await page.goto(`${tracker.url}/#token=${TOKEN}`);
    // Browser-side checks are strings: this file is type-checked without the DOM lib.
    await page.waitForFunction("document.body.dataset.updated !== undefined");
    assert.equal(await page.textContent("#task-count"), "0");

    const out = await h.tempDir();
    const downloads = Promise.all(
      agents.map((a, i) => getVia(h, a.url, origin.fileUrl, `${out}/f${i}`, ...token)),
    );
    // While pieces move, the task and its piece map appear; the screenshot for
    // docs/ is taken mid-swarm when the page catches it there.
    await page.waitForSelector("[data-testid=piece-map][data-peers]", { timeout: 30_000 });
    const midSwarm = await page.waitForFunction(
      `[...document.querySelectorAll("[data-testid=task-progress]")]
        .some((e) => parseFloat(e.textContent) >= 30 && parseFloat(e.textContent) <= 85)`,
      undefined,
      { timeout: 15_000 },
    ).then(() => page.screenshot({ fullPage: true }), () => null);
    const results = await downloads;
    const taskId = results[0].task_id;

    // Progress reaches 100% once every peer's last announce is in.
    await page.waitForFunction(
      `[...document.querySelectorAll("[data-testid=task-progress]")]
        .map((e) => e.textContent).join() === "100.0%"`,
      undefined,
      { timeout: 30_000 },
    );
    const row = page.locator(`#tasks tr[data-task="${taskId}"]`);
    assert.equal(await row.count(), 1);
    assert.equal(await row.locator("[data-testid=task-peers]").textContent(), "4");
    assert.match(await row.textContent() ?? "", /40\.0 MiB/);
    assert.match(await row.textContent() ?? "", /10\/10/);

    const map = page.locator(`[data-testid=piece-map][data-task="${taskId}"]`);
    await page.waitForFunction(
      `document.querySelector('[data-testid=piece-map][data-task="${taskId}"]')
        ?.getAttribute("data-peers") === "4"`,
      undefined,
      { timeout: 10_000 },
    );
    assert.deepEqual(
      [await map.getAttribute("data-rows"), await map.getAttribute("data-cols")],
      ["4", "10"],
    );
    // Every cell of a finished swarm is "held": the canvas shows no dark cell.
    const dark = await page.evaluate(`(() => {
      const c = document.querySelector('[data-task="${taskId}"] canvas.cells');
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 1] < 150) n++;
      return n;
    })()`);
    assert.equal(dark, 0);

    // The offload shown is what the tracker computes from the hosts' heartbeats,
    // once every byte the agents verified has been reported.
    const fromPeers = results.reduce((n, r) => n + r.from_peers_bytes, 0);
    let overview: Overview | null = null;
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${tracker.url}/api/v1/overview`, {
        headers: { "x-dfly-token": TOKEN },
      });
      overview = await res.json() as Overview;
      const t = overview.totals;
      if (t.fromPeers + t.fromSource === origin.size * 4 && t.fromPeers >= fromPeers) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(overview?.totals.offload, "offload known");
    const shown = `${(overview.totals.offload * 100).toFixed(1)}%`;
    await page.waitForFunction(
      `document.getElementById("offload")?.textContent === ${JSON.stringify(shown)}`,
      undefined,
      { timeout: 10_000 },
    );
    assert.ok(overview.totals.offload >= 0.5, `offload ${shown}: peers carried most bytes`);
    assert.equal(await page.locator("#hosts tbody tr").count(), 4);
    assert.equal(await page.textContent("#host-count"), "4");
    assert.deepEqual(pageErrors, []);

    const png = await page.screenshot({ fullPage: true });
    assert.ok(png.byteLength > 10_000);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
    if (Deno.env.get("DFLY_UPDATE_SCREENSHOT") === "1") {
      await Deno.writeFile(`${ROOT}docs/dashboard.png`, midSwarm ?? png);
    }
    await browser.close();
    void seed;
  },
});

Deno.test({
  name: "dashboard: stays bounded and readable with 1,000 peers on a task",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using h = new Harness();
    const tracker = await startTracker(h, "--peer-ttl", "60s");
    const pieces = 500;
    const task = {
      id: "cd".repeat(32),
      url: "http://origin.test/big.iso",
      tag: "",
      private: false,
    };
    const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
    const host = (n: number) => ({
      id: hex(n, 32),
      addr: `10.0.${n >> 8}.${n & 255}:65002`,
      idc: "",
      seed: n === 1,
      uploads: 0,
    });
    const post = async (body: unknown) => {
      const res = await fetch(`${tracker.url}/api/v1/announce`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 200, await res.text());
    };
    const all = Array.from({ length: pieces }, (_, i) => i);
    await post({
      host: host(1),
      task,
      have: all,
      full: true,
      digestCursor: 0,
      source: {
        length: pieces * 4 * 2 ** 20,
        etag: null,
        lastModified: null,
        digests: all.map((i) => [i, hex(i + 1, 64)]),
      },
      sourceError: null,
      failed: [],
      done: true,
    });
    // 1,000 more peers, peer n holding the first n/2 pieces.
    for (let n = 2; n <= 1001; n += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, k) => n + k).filter((m) => m <= 1001).map((m) =>
          post({
            host: host(m),
            task,
            have: all.slice(0, Math.floor(m / 2)),
            full: true,
            digestCursor: 0,
            source: null,
            sourceError: null,
            failed: [],
            done: false,
          })
        ),
      );
    }

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
    });
    h.defer(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(String(err)));
    const started = performance.now();
    await page.goto(tracker.url);
    await page.waitForSelector('[data-testid=piece-map][data-peers="1001"]', { timeout: 30_000 });
    const firstPaintMs = performance.now() - started;
    const map = page.locator("[data-testid=piece-map]");
    assert.deepEqual(
      [await map.getAttribute("data-rows"), await map.getAttribute("data-cols")],
      ["48", "256"],
    );
    assert.match(await map.locator(".caption").textContent() ?? "", /1001 peers × 500 pieces/);
    // The DOM stays small: 50 host rows and a note, not 1,001 rows.
    assert.equal(await page.locator("#hosts tbody tr").count(), 50);
    assert.equal(await page.textContent("#hosts-more"), "… and 951 more hosts");
    assert.ok((await page.locator("*").count()) < 1500);
    // It keeps updating: two more polls arrive within a few seconds.
    const seen = Number(await page.evaluate("document.body.dataset.updated"));
    await page.waitForFunction(`Number(document.body.dataset.updated) > ${seen}`, undefined, {
      timeout: 10_000,
    });
    assert.deepEqual(pageErrors, []);
    console.log(`1,001 peers: first full render after ${firstPaintMs.toFixed(0)} ms`);
    if (Deno.env.get("DFLY_UPDATE_SCREENSHOT") === "1") {
      await Deno.writeFile(`${ROOT}docs/dashboard-1000-peers.png`, await page.screenshot());
    }
    await browser.close();
  },
});
