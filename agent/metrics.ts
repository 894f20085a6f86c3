/**
 * @module metrics — the agent's Prometheus metrics. Counters that the
 * download engine and the piece server bump live in {@link agentMetrics}
 * (one per process, like any Prometheus client's default registry); values
 * that other objects already own (cache usage, limiter waits, uploads in
 * flight) are read from them at scrape time by {@link renderAgentMetrics}.
 */
import type { PieceStore } from "../storage/piece_store.ts";
import { Registry } from "../util/metrics.ts";
import type { HostStats } from "../wire.ts";
import type { TokenBucket } from "./token_bucket.ts";

const registry = new Registry();

/** Counters and histograms the agent's code paths update. */
export const agentMetrics = {
  downloadedBytes: registry.counter({
    name: "dfly_agent_download_bytes_total",
    help: "Verified bytes downloaded, by origin (peer or source).",
    labelNames: ["origin"],
  }),
  piecesVerified: registry.counter({
    name: "dfly_agent_pieces_verified_total",
    help: "Pieces verified and written, by origin (peer or source).",
    labelNames: ["origin"],
  }),
  piecesRejected: registry.counter({
    name: "dfly_agent_pieces_rejected_total",
    help: "Piece transfers from parents that failed, by reason (digest, timeout, http, connect).",
    labelNames: ["reason"],
  }),
  uploadedBytes: registry.counter({
    name: "dfly_agent_upload_bytes_total",
    help: "Piece bytes served to other agents.",
  }),
  piecesUploaded: registry.counter({
    name: "dfly_agent_pieces_uploaded_total",
    help: "Pieces served to other agents in full.",
  }),
  spreadRefused: registry.counter({
    name: "dfly_agent_spread_refused_total",
    help:
      "Piece requests this seed refused because it was sending, or just sent, that piece to another peer.",
  }),
  uploadsBusy: registry.counter({
    name: "dfly_agent_uploads_busy_total",
    help: "Piece requests refused because every upload slot was taken.",
  }),
  uploadsStalled: registry.counter({
    name: "dfly_agent_uploads_stalled_total",
    help: "Piece uploads ended because the reader took nothing for 30 s.",
  }),
  supersededBytes: registry.counter({
    name: "dfly_agent_superseded_bytes_total",
    help:
      "Bytes received by piece transfers stopped as no longer needed (an endgame duplicate lost the race, or the download ended).",
  }),
  spreadDeferred: registry.counter({
    name: "dfly_agent_spread_deferred_total",
    help:
      "Piece requests a parent told this agent to bring back later (429: a seed's piece spread, or every upload slot taken), by parent kind (seed, peer).",
    labelNames: ["parent"],
  }),
  downloads: registry.counter({
    name: "dfly_agent_downloads_total",
    help: "Task downloads that ended, by result (done, cached: nothing to fetch, or failed).",
    labelNames: ["result"],
  }),
  downloadSeconds: registry.histogram({
    name: "dfly_agent_download_duration_seconds",
    help: "Time from the start of a task download to its last verified piece.",
  }),
};

/** This process's cumulative byte counters, as reported to the tracker in heartbeats. */
export function hostStats(): HostStats {
  return {
    fromPeers: agentMetrics.downloadedBytes.get({ origin: "peer" }),
    fromSource: agentMetrics.downloadedBytes.get({ origin: "source" }),
    uploaded: agentMetrics.uploadedBytes.get(),
  };
}

/** What the scrape-time gauges read. */
export interface AgentMetricsSources {
  store: PieceStore;
  /** Downloads running now. */
  activeTasks(): number;
  /** Piece uploads in progress. */
  uploads: { count: number };
  downloadLimit?: TokenBucket;
  uploadLimit: TokenBucket;
  version: string;
}

/** Builds the gauges that read live objects; render with {@link renderAgentMetrics}. */
export function agentGauges(src: AgentMetricsSources): Registry {
  const live = new Registry();
  live.gauge({
    name: "dfly_build_info",
    help: "Always 1; labels say which dfly this is.",
    labelNames: ["version", "role"],
    collect: () => [[{ version: src.version, role: "agent" }, 1]],
  });
  live.gauge({
    name: "dfly_agent_active_tasks",
    help: "Task downloads running now.",
    collect: () => src.activeTasks(),
  });
  live.gauge({
    name: "dfly_agent_active_uploads",
    help: "Piece uploads in progress.",
    collect: () => src.uploads.count,
  });
  live.gauge({
    name: "dfly_agent_cache_bytes",
    help: "Bytes the piece cache holds (partial tasks count in full).",
    collect: () => src.store.usage(),
  });
  live.gauge({
    name: "dfly_agent_cache_quota_bytes",
    help: "Piece cache quota (--cache-size); 0 is none.",
    collect: () => src.store.cacheSize,
  });
  live.gauge({
    name: "dfly_agent_cache_tasks",
    help: "Tasks in the piece cache.",
    collect: () => src.store.list().length,
  });
  live.counter({
    name: "dfly_agent_cache_evictions_total",
    help: "Tasks evicted from the piece cache.",
    collect: () => src.store.evictions.tasks,
  });
  live.counter({
    name: "dfly_agent_cache_evicted_bytes_total",
    help: "Bytes evicted from the piece cache.",
    collect: () => src.store.evictions.bytes,
  });
  const buckets = (): [Record<string, string>, TokenBucket][] => {
    const list: [Record<string, string>, TokenBucket][] = [];
    if (src.downloadLimit) list.push([{ direction: "download" }, src.downloadLimit]);
    list.push([{ direction: "upload" }, src.uploadLimit]);
    return list;
  };
  live.counter({
    name: "dfly_agent_rate_limit_waits_total",
    help: "Times a transfer had to wait for the host's rate limit, by direction.",
    labelNames: ["direction"],
    collect: () => buckets().map(([l, b]) => [l, b.waits]),
  });
  live.counter({
    name: "dfly_agent_rate_limit_wait_seconds_total",
    help: "Time transfers spent waiting for the host's rate limit, by direction.",
    labelNames: ["direction"],
    collect: () => buckets().map(([l, b]) => [l, b.waitedMs / 1000]),
  });
  return live;
}

/** The agent's whole `/metrics` text: process counters, then live gauges. */
export function renderAgentMetrics(live: Registry): string {
  return registry.render() + live.render();
}
