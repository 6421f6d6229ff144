// The process-wide session id (docs/protocol.md §1): starts at 1, one per connection that completes the TLS handshake,
// including connections then refused by the concurrency limit. Atomics make it safe to share with worker threads.

export class SessionCounter {
  private readonly cell: Int32Array;

  constructor(shared: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.cell = new Int32Array(shared);
  }

  /** The buffer to hand to worker threads so they draw from the same sequence. */
  get buffer(): SharedArrayBuffer {
    return this.cell.buffer as SharedArrayBuffer;
  }

  next(): number {
    // Wraps at 2^32 like the 32-bit wire field; 0 is skipped.
    const id = (Atomics.add(this.cell, 0, 1) + 1) >>> 0;
    return id === 0 ? this.next() : id;
  }
}
