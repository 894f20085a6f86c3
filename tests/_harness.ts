/**
 * @module _harness — starts `main.ts` (and scripts) as real child processes
 * for end-to-end tests, waits for their `listening url=` line, and kills
 * every process it started when the test's scope ends.
 */
import { fileURLToPath } from "node:url";

/** Absolute path of the repository root. */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** Absolute path of main.ts. */
export const MAIN = `${ROOT}main.ts`;

/** A started child process. */
export interface Proc {
  name: string;
  child: Deno.ChildProcess;
  /** Base URL from its `listening url=` log line (servers only). */
  url: string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Everything it wrote to stdout so far (when stdout was piped). */
  stdout(): string;
  /** Resolves with the exit status. */
  status: Promise<Deno.CommandStatus>;
  kill(signal?: Deno.Signal): Promise<void>;
}

/** Options of {@link Harness.spawn}. */
export interface SpawnOptions {
  /** Wait for a `listening url=` line (servers). Default true. */
  server?: boolean;
  env?: Record<string, string>;
  timeoutMs?: number;
  cwd?: string;
}

/** Owns the processes and temp dirs of one test; `await using` cleans up. */
export class Harness implements AsyncDisposable {
  #procs: Proc[] = [];
  #dirs: string[] = [];
  #cleanups: (() => void | Promise<void>)[] = [];

  /** Runs `fn` when the harness is disposed (before temp dirs go). */
  defer(fn: () => void | Promise<void>): void {
    this.#cleanups.push(fn);
  }

  /** A new temporary directory removed at the end. */
  async tempDir(prefix = "dfly-test-"): Promise<string> {
    const dir = await Deno.makeTempDir({ prefix });
    this.#dirs.push(dir);
    return dir;
  }

  /** Runs `deno run -A main.ts ...args` (or a script when `args[0]` ends in .ts). */
  spawn(name: string, args: string[], options: SpawnOptions = {}): Promise<Proc> {
    const script = args[0]?.endsWith(".ts") ? [] : [MAIN];
    // node_modules is in place once the test run started; with the default "auto" every child
    // takes the install lock, and under parallel tests prints "Blocking waiting for file lock"
    // on stderr, which breaks tests that expect a one-line error.
    const run = ["run", "-A", "--node-modules-dir=manual"];
    return this.spawnCommand(name, Deno.execPath(), [...run, ...script, ...args], options);
  }

  /** Starts any program. */
  async spawnCommand(
    name: string,
    program: string,
    args: string[],
    options: SpawnOptions = {},
  ): Promise<Proc> {
    const child = new Deno.Command(program, {
      args,
      cwd: options.cwd ?? ROOT,
      env: { NO_COLOR: "1", ...options.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let err = "";
    let out = "";
    let resolveUrl!: (url: string) => void;
    const urlSeen = new Promise<string>((resolve) => resolveUrl = resolve);
    const pump = async (stream: ReadableStream<Uint8Array>, onText: (t: string) => void) => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) onText(decoder.decode(chunk, { stream: true }));
    };
    const pumps = Promise.all([
      pump(child.stderr, (t) => {
        err += t;
        const m = /listening url=(\S+)|"event":"listening","url":"([^"]+)"/.exec(err);
        if (m) resolveUrl(m[1] ?? m[2]);
      }),
      pump(child.stdout, (t) => out += t),
    ]);
    const status = child.status.then(async (s) => {
      // Grandchildren may hold the pipes open; do not wait for them forever.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        pumps.catch(() => {}),
        new Promise((r) => timer = setTimeout(r, 1000)),
      ]);
      clearTimeout(timer);
      return s;
    });
    const proc: Proc = {
      name,
      child,
      url: "",
      stderr: () => err,
      stdout: () => out,
      status,
      kill: async (signal: Deno.Signal = "SIGTERM") => {
        try {
          child.kill(signal);
        } catch {
          // already gone
        }
        await status;
      },
    };
    this.#procs.push(proc);
    if (options.server === false) return proc;
    const timeoutMs = options.timeoutMs ?? 20_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      urlSeen,
      status.then((s) => new Error(`${name} exited with ${s.code} before listening:\n${err}`)),
      new Promise<Error>((resolve) => {
        timer = setTimeout(
          () => resolve(new Error(`${name} did not listen within ${timeoutMs} ms:\n${err}`)),
          timeoutMs,
        );
      }),
    ]);
    clearTimeout(timer);
    if (outcome instanceof Error) throw outcome;
    proc.url = outcome;
    return proc;
  }

  /** Runs a command to completion and returns its status and output. */
  async run(
    name: string,
    args: string[],
    options: SpawnOptions = {},
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const proc = await this.spawn(name, args, { ...options, server: false });
    const timeoutMs = options.timeoutMs ?? 120_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const result = await Promise.race([
      proc.status,
      new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), timeoutMs)),
    ]);
    clearTimeout(timer);
    if (result === null) {
      await proc.kill("SIGKILL");
      throw new Error(`${name} did not finish within ${timeoutMs} ms:\n${proc.stderr()}`);
    }
    return { code: result.code, stdout: proc.stdout(), stderr: proc.stderr() };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.#procs.map((p) => p.kill("SIGKILL")));
    for (const fn of this.#cleanups) await Promise.resolve().then(fn).catch(() => {});
    for (const dir of this.#dirs) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
