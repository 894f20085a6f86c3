/**
 * @module bitset — which pieces a peer holds, as a fixed-size bit array that
 * travels on the wire as base64 (bit i is byte i>>3, mask 0x80>>(i&7)).
 */

/** A fixed-size set of piece indexes. */
export class Bitset {
  readonly size: number;
  readonly bytes: Uint8Array;
  #count = 0;

  constructor(size: number, bytes?: Uint8Array) {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError(
        `Cannot create bitset as size must be a non-negative integer: current value is ${size}`,
      );
    }
    this.size = size;
    this.bytes = new Uint8Array(Math.ceil(size / 8));
    if (bytes) {
      if (bytes.length !== this.bytes.length) {
        throw new RangeError(
          `Cannot load bitset of ${size} bits from ${bytes.length} bytes: expected ${this.bytes.length}`,
        );
      }
      this.bytes.set(bytes);
      // Bits past `size` are padding; clear them so counts stay honest.
      if (size % 8 !== 0) this.bytes[this.bytes.length - 1] &= 0xff << (8 - size % 8);
      for (const b of this.bytes) this.#count += popcount(b);
    }
  }

  /** A bitset with every bit set. */
  static full(size: number): Bitset {
    const set = new Bitset(size);
    for (let i = 0; i < size; i++) set.add(i);
    return set;
  }

  /** Decodes the base64 wire form. */
  static fromBase64(size: number, text: string): Bitset {
    let raw: Uint8Array;
    try {
      raw = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    } catch {
      throw new RangeError("Cannot decode bitset as it is not base64");
    }
    return new Bitset(size, raw);
  }

  /** Number of bits set. */
  get count(): number {
    return this.#count;
  }

  /** True when every bit is set. */
  get complete(): boolean {
    return this.#count === this.size;
  }

  has(index: number): boolean {
    if (index < 0 || index >= this.size) return false;
    return (this.bytes[index >> 3] & (0x80 >> (index & 7))) !== 0;
  }

  /** Sets bit `index`; returns true when it was not set before. */
  add(index: number): boolean {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`Cannot set bit ${index} of a ${this.size}-bit set`);
    }
    const mask = 0x80 >> (index & 7);
    if (this.bytes[index >> 3] & mask) return false;
    this.bytes[index >> 3] |= mask;
    this.#count++;
    return true;
  }

  /** Clears bit `index`. */
  delete(index: number): void {
    if (!this.has(index)) return;
    this.bytes[index >> 3] &= ~(0x80 >> (index & 7));
    this.#count--;
  }

  /** The set indexes in ascending order. */
  *[Symbol.iterator](): IterableIterator<number> {
    for (let i = 0; i < this.size; i++) if (this.has(i)) yield i;
  }

  /** Encodes to the base64 wire form. */
  toBase64(): string {
    let text = "";
    for (const b of this.bytes) text += String.fromCharCode(b);
    return btoa(text);
  }
}

function popcount(b: number): number {
  let n = 0;
  for (let x = b; x; x &= x - 1) n++;
  return n;
}
