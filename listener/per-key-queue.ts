// Runs tasks that share a key one after another, tasks with different keys side by side. The listener writes a
// device's state through a read-modify-write conditional on the version it read: sessions of one device in one process
// that write at once would only make each other retry (a hostile client opening many sessions for one device could make
// an honest session's write give up), so they take turns here and the store's retry is left for other processes.
export class PerKeyQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key);
    const result = before ? before.then(task, task) : task();
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // The last task of a key removes the key, so the map holds only keys with work queued.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}
