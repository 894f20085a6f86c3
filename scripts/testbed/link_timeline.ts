/**
 * @module link_timeline — how busy the emulated links were over a
 * measurement window: samples every host's bytes sent and received (the
 * counters of its port on the bridge) a few times a second, then sums them
 * per time bucket as a share of the links' rates. Shows where a method
 * leaves capacity unused (a slow start, an idle origin, a long tail).
 *
 * ```ts ignore
 * const timeline = startLinkTimeline(bed, 250); // bed: a Testbed (netns.ts)
 * // ... the clients download ...
 * const lines = timelineLines(await timeline.stop(), bed.hosts, 2);
 * ```
 */
import type { Testbed, TestbedHost } from "./netns.ts";

/** Cumulative byte counters of every host at one moment. */
export interface LinkSample {
  /** Milliseconds since the sampler started. */
  atMs: number;
  /** Bytes each host has sent, by host index. */
  sent: Map<number, number>;
  /** Bytes each host has received, by host index. */
  received: Map<number, number>;
}

/** One time bucket of {@link summarizeTimeline}. */
export interface TimelineBucket {
  fromS: number;
  toS: number;
  /** The origin host's upload, as a share of its rate (0–1). */
  originUp: number;
  /** All client hosts' upload together, as a share of their summed rates (0–1). */
  clientsUp: number;
  /** All client hosts' download together, as a share of their summed rates (0–1). */
  clientsDown: number;
}

/**
 * Sums consecutive samples into buckets of `bucketS` seconds: bytes moved
 * in the bucket divided by what the links could have moved in it. Samples
 * must be in time order; a bucket without two samples in it is skipped.
 */
export function summarizeTimeline(
  samples: readonly LinkSample[],
  hosts: readonly TestbedHost[],
  bucketS: number,
): TimelineBucket[] {
  const out: TimelineBucket[] = [];
  if (samples.length < 2) return out;
  const clients = hosts.filter((h) => h.index !== 0);
  const origin = hosts.find((h) => h.index === 0);
  const sum = (m: Map<number, number>, hs: readonly TestbedHost[]) =>
    hs.reduce((s, h) => s + (m.get(h.index) ?? 0), 0);
  const clientUpRate = clients.reduce((s, h) => s + h.up, 0);
  const clientDownRate = clients.reduce((s, h) => s + h.down, 0);
  let first = samples[0];
  for (let i = 1; i < samples.length; i++) {
    const s = samples[i];
    const bucketEnd = (Math.floor(first.atMs / 1000 / bucketS) + 1) * bucketS * 1000;
    if (s.atMs < bucketEnd && i < samples.length - 1) continue;
    const seconds = (s.atMs - first.atMs) / 1000;
    if (seconds > 0) {
      out.push({
        fromS: first.atMs / 1000,
        toS: s.atMs / 1000,
        originUp: origin
          ? ((s.sent.get(0) ?? 0) - (first.sent.get(0) ?? 0)) / (origin.up * seconds)
          : 0,
        clientsUp: (sum(s.sent, clients) - sum(first.sent, clients)) / (clientUpRate * seconds),
        clientsDown: (sum(s.received, clients) - sum(first.received, clients)) /
          (clientDownRate * seconds),
      });
    }
    first = s;
  }
  return out;
}

/** One line per bucket, e.g. `0–2 s: origin up 97%, clients up 41%, down 45%`. */
export function timelineLines(
  samples: readonly LinkSample[],
  hosts: readonly TestbedHost[],
  bucketS: number,
): string[] {
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  return summarizeTimeline(samples, hosts, bucketS).map((b) =>
    `${b.fromS.toFixed(0)}–${b.toS.toFixed(0)} s: origin up ${pct(b.originUp)}, clients up ${
      pct(b.clientsUp)
    }, down ${pct(b.clientsDown)}`
  );
}

/** A running sampler; `stop()` ends it and returns its samples. */
export interface LinkTimeline {
  stop(): Promise<LinkSample[]>;
}

/** Samples `bed`'s link counters every `intervalMs` until stopped. */
export function startLinkTimeline(bed: Testbed, intervalMs: number): LinkTimeline {
  const samples: LinkSample[] = [];
  const t0 = Date.now();
  let stopped = false;
  const loop = (async () => {
    while (true) {
      const at = Date.now();
      const counters = await bed.portCounters().catch(() => null);
      if (counters) {
        samples.push({
          atMs: at - t0,
          sent: new Map([...counters].map(([i, c]) => [i, c.sent])),
          received: new Map([...counters].map(([i, c]) => [i, c.received])),
        });
      }
      if (stopped) return;
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - at))));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return samples;
    },
  };
}
