/**
 * @module piece_range_source — the body of a P2P-served blob: the bytes of a
 * window of a task, each piece read from disk once it is verified. When the
 * download fails mid-way, the rest comes from the upstream if it can;
 * otherwise the stream errors so the client sees a broken transfer, never
 * wrong or missing bytes presented as complete.
 */
import type { TaskDownload } from "../agent/download.ts";
import { DigestMismatchError, errorMessage } from "../errors.ts";
import type { StoredTask } from "../storage/stored_task.ts";
import type { Logger } from "../util/log.ts";
import { pieceRange } from "../util/piece_size.ts";
import type { ByteWindow } from "./range.ts";

/** Options of {@link PieceRangeSource}. */
export interface PieceRangeSourceOptions {
  download: Pick<TaskDownload, "waitPiece" | "done" | "id">;
  stored: Pick<StoredTask, "length" | "pieceSize" | "readRange">;
  window: ByteWindow;
  /** Wait for the whole download (and its digest check) before the last piece. */
  awaitDoneBeforeLast: boolean;
  /** The remaining bytes from `offset` from elsewhere, or null. */
  resume(offset: number): Promise<ReadableStream<Uint8Array> | null>;
  log: Logger;
}

/** An underlying byte source for `new ReadableStream(...)` over verified pieces. */
export class PieceRangeSource implements UnderlyingDefaultSource<Uint8Array> {
  #o: PieceRangeSourceOptions;
  #at: number;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #resumed = false;

  constructor(options: PieceRangeSourceOptions) {
    const { window, stored } = options;
    if (window.start < 0 || window.end > stored.length || window.start > window.end) {
      throw new RangeError(`window ${window.start}-${window.end} is outside 0-${stored.length}`);
    }
    this.#o = options;
    this.#at = window.start;
  }

  async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    const { window } = this.#o;
    while (true) {
      if (!this.#reader) {
        if (this.#at >= window.end) {
          controller.close();
          return;
        }
        this.#reader = await this.#open().catch((err) => this.#resume(err));
      }
      const { value, done } = await this.#reader.read();
      if (!done) {
        this.#at += value.byteLength;
        controller.enqueue(value);
        return;
      }
      this.#reader = null;
      if (this.#resumed && this.#at < window.end) {
        throw new Error(`upstream ended at byte ${this.#at} of ${window.end}`);
      }
    }
  }

  async cancel(reason?: unknown): Promise<void> {
    await this.#reader?.cancel(reason);
  }

  /** A reader of the rest of the piece holding `#at`, once that piece is verified. */
  async #open(): Promise<ReadableStreamDefaultReader<Uint8Array>> {
    const { stored, download, window } = this.#o;
    const index = Math.floor(this.#at / stored.pieceSize);
    const piece = pieceRange(stored.length, stored.pieceSize, index);
    const end = Math.min(piece.end, window.end);
    if (this.#o.awaitDoneBeforeLast && end === stored.length) await download.done;
    else await download.waitPiece(index);
    return stored.readRange(this.#at, end).getReader();
  }

  async #resume(err: unknown): Promise<ReadableStreamDefaultReader<Uint8Array>> {
    const { log, download } = this.#o;
    // Bytes already sent belong to a blob that failed its digest: only a restart can help.
    if (err instanceof DigestMismatchError) throw err;
    const rest = await this.#o.resume(this.#at);
    if (!rest) {
      log.warn("P2P failed mid-body and upstream cannot resume; aborting the response", {
        task: download.id,
        at: this.#at,
        error: errorMessage(err),
      });
      throw err;
    }
    log.warn("P2P failed mid-body; continuing from upstream", {
      task: download.id,
      at: this.#at,
      error: errorMessage(err),
    });
    this.#resumed = true;
    // Upstream's answer runs to the end of the file; only the window is wanted.
    return rest.pipeThrough(takeBytes(this.#o.window.end - this.#at)).getReader();
  }
}

/** Passes the first `count` bytes and ends the stream there. */
function takeBytes(count: number): TransformStream<Uint8Array, Uint8Array> {
  let left = count;
  return new TransformStream({
    transform(chunk, controller) {
      if (left <= 0) return;
      const part = chunk.byteLength <= left ? chunk : chunk.subarray(0, left);
      left -= part.byteLength;
      controller.enqueue(part);
      if (left === 0) controller.terminate();
    },
  });
}
