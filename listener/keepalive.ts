// TCP keepalive on phone connections (F14), driven by the keepAliveMinutes service parameter. The listener reads no
// parameter for it: each session reads the parameters anyway (through the backend's 5 s cache), and a connection gets
// the value the latest read gave. A changed value also applies to the connections already open, so a change takes
// effect within the cache's life once a phone connects.
import type { Socket } from 'node:net';

export class KeepAlive {
  private lastMs: number;

  constructor(
    /** The parameter in minutes as last read, undefined before any read (or when the backend has none). */
    private readonly latestMinutes: () => number | undefined,
    private readonly fixedMs: number,
    /** The open connections, to update when the value changes. */
    private readonly open: Iterable<Socket>,
  ) {
    this.lastMs = fixedMs;
  }

  /** The keepalive delay a connection gets now, in milliseconds. */
  get delayMs(): number {
    const minutes = this.latestMinutes();
    return minutes === undefined ? this.fixedMs : minutes * 60_000;
  }

  apply(socket: Socket): void {
    const ms = this.delayMs;
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      for (const other of this.open) if (other !== socket && !other.destroyed) other.setKeepAlive(true, ms);
    }
    socket.setKeepAlive(true, ms);
  }
}
