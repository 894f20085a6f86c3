/**
 * @module _fault — helpers of the fault suite: polling with a deadline, a
 * probe that asks the tracker whom it hands out, an agent's view of a task,
 * and {@link StallRelay}, a TCP relay placed in front of a real agent that
 * forwards a little of each answer and then goes silent.
 */
import { TRACKER_ROUTES } from "../wire.ts";

/** Polls `check` every `everyMs` until it returns a truthy value; throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Random lowercase hex of `bytes` bytes. */
export function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Announces as a fresh host that holds nothing and returns the `addr`s of the
 * parents the tracker hands out for the task (what any new downloader would get).
 */
export async function handedOut(
  trackerUrl: string,
  task: { id: string; url: string; tag?: string },
  init: RequestInit = {},
): Promise<string[]> {
  const res = await fetch(`${trackerUrl}${TRACKER_ROUTES.announce}`, {
    ...init,
    method: "POST",
    headers: { "content-type": "application/json", ...init.headers },
    body: JSON.stringify({
      host: { id: randomHex(16), addr: "127.0.0.1:9", idc: "", seed: false, uploads: 0 },
      task: { id: task.id, url: task.url, tag: task.tag ?? "", private: false },
      have: [],
      full: true,
      digestCursor: 0,
      source: null,
      sourceError: null,
      failed: [],
      done: false,
    }),
  });
  if (!res.ok) throw new Error(`announce answered ${res.status}: ${await res.text()}`);
  const body = await res.json() as { parents: { addr: string }[] };
  return body.parents.map((p) => p.addr);
}

/** The agent's `GET /api/v1/tasks/:id` answer. */
export interface AgentTaskView {
  pieces: number;
  pieceCount: number | null;
  complete: boolean;
  fromPeers: number;
  fromSource: number;
}

/** What an agent says about one task, or null when it does not know it (yet). */
export async function agentTask(agentUrl: string, id: string): Promise<AgentTaskView | null> {
  const res = await fetch(`${agentUrl}/api/v1/tasks/${id}`).catch(() => null);
  if (!res) return null;
  if (!res.ok) {
    await res.body?.cancel();
    return null;
  }
  return await res.json();
}

/** The tracker's `/api/v1/hosts` list. */
export async function trackerHosts(trackerUrl: string): Promise<
  { id: string; addr: string; failures: number; recentFailures: number; isolated: boolean }[]
> {
  return (await (await fetch(`${trackerUrl}/api/v1/hosts`)).json()).hosts;
}

/** Options of {@link StallRelay}. */
export interface StallRelayOptions {
  /** Bytes of each answer forwarded before the relay goes silent (headers included). */
  forwardBytes: number;
  /** After going silent, trickle one byte this often (ms); 0 sends nothing more. */
  trickleMs?: number;
}

/**
 * A TCP relay in front of a real agent: requests pass through unchanged, each
 * answer is forwarded up to `forwardBytes`, then nothing (or one byte now and
 * then) — a parent that accepted the connection and stalled.
 */
export class StallRelay implements Disposable {
  readonly port: number;
  /** Connections accepted so far. */
  connections = 0;
  #listener: Deno.TcpListener;
  #target = 0;
  #open = new Set<Deno.Conn>();
  #timers = new Set<ReturnType<typeof setInterval>>();

  constructor(readonly options: StallRelayOptions) {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    void this.#accept();
  }

  /** Where requests go: the real agent's port. */
  set target(port: number) {
    this.#target = port;
  }

  async #accept(): Promise<void> {
    try {
      for await (const client of this.#listener) void this.#relay(client);
    } catch {
      // listener closed
    }
  }

  async #relay(client: Deno.Conn): Promise<void> {
    this.connections++;
    this.#open.add(client);
    let upstream: Deno.Conn;
    try {
      upstream = await Deno.connect({ hostname: "127.0.0.1", port: this.#target });
    } catch {
      this.#close(client);
      return;
    }
    this.#open.add(upstream);
    void client.readable.pipeTo(upstream.writable).catch(() => {});
    let left = this.options.forwardBytes;
    const writer = client.writable.getWriter();
    try {
      for await (const chunk of upstream.readable) {
        if (left <= 0) continue; // swallow the rest: the client sees silence
        const part = chunk.subarray(0, left);
        left -= part.byteLength;
        await writer.write(part);
        if (left <= 0 && this.options.trickleMs) {
          const id = setInterval(
            () => writer.write(new Uint8Array([0])).catch(() => {}),
            this.options.trickleMs,
          );
          this.#timers.add(id);
        }
      }
    } catch {
      // either side went away
    }
  }

  #close(conn: Deno.Conn): void {
    this.#open.delete(conn);
    try {
      conn.close();
    } catch {
      // already closed
    }
  }

  /** Stops listening and drops every connection. */
  close(): void {
    for (const id of this.#timers) clearInterval(id);
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    for (const conn of [...this.#open]) this.#close(conn);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** What {@link rawRequest} read back. */
export interface RawAnswer {
  /** HTTP status, or 0 when the server closed the connection without an answer. */
  status: number;
  /** The body as text (or "" when none arrived). */
  body: string;
}

/**
 * Sends `head` (request line and headers, CRLF separated, without the blank
 * line) and `body` over a fresh TCP connection exactly as given — no URL
 * normalisation — and reads the answer until the server closes or
 * `timeoutMs` (default 3 s) pass.
 */
export async function rawRequest(
  baseUrl: string,
  head: string,
  body: Uint8Array | string = "",
  timeoutMs = 3000,
): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const text = `${head}\r\nconnection: close\r\ncontent-length: ${bytes.byteLength}\r\n\r\n`;
  const chunks: Uint8Array[] = [];
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    const writer = conn.writable.getWriter();
    await writer.write(new TextEncoder().encode(text));
    if (bytes.byteLength) await writer.write(bytes);
    writer.releaseLock();
    for await (const chunk of conn.readable) chunks.push(chunk);
  } catch {
    // reset or closed by the timer: use what arrived
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
  const all = new TextDecoder().decode(
    chunks.reduce((a, c) => {
      const out = new Uint8Array(a.byteLength + c.byteLength);
      out.set(a);
      out.set(c, a.byteLength);
      return out;
    }, new Uint8Array()),
  );
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(all);
  const split = all.indexOf("\r\n\r\n");
  return { status: m ? Number(m[1]) : 0, body: split >= 0 ? all.slice(split + 4) : "" };
}

/**
 * A command's stderr without the runtime's own notices (e.g. "Blocking waiting
 * for file lock on node_modules directory" while parallel tests start).
 */
export function ownStderr(stderr: string): string {
  return stderr.split("\n").filter((l) => l.trim() !== "" && !/^Blocking waiting/.test(l))
    .join("\n");
}
