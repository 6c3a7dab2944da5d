import { resolveEvent } from '../protocol/catalogue.js';
import type { Json } from '../protocol/codec.js';
import type { EventName } from '../protocol/types.js';
import { mismatch } from './values.js';

/**
 * The events of one recipe session, in arrival order. `take` consumes the first matching event not
 * consumed yet, waiting for it if need be: so both order-sensitive and order-insensitive checks work.
 */
export class EventQueue {
  private readonly events: { msg: Json; consumed: boolean }[] = [];
  private readonly waiters = new Set<() => void>();

  push(msg: Json): void {
    this.events.push({ msg, consumed: false });
    for (const w of [...this.waiters]) w();
  }

  private find(event: EventName, where: Json | undefined) {
    return this.events.find((e) => !e.consumed && resolveEvent(String(e.msg.event)) === event && (!where || !mismatch(where, e.msg)));
  }

  /** The first unconsumed match within `ms`, consumed; undefined when none came. */
  async take(event: EventName, where: Json | undefined, ms: number): Promise<Json | undefined> {
    // Consumed as it is found, so that two waiters woken by one push cannot both take it.
    const found = await this.until(() => {
      const hit = this.find(event, where);
      if (hit) hit.consumed = true;
      return hit;
    }, ms);
    return found?.msg;
  }

  /**
   * An unconsumed match, whenever it arrived, or one arriving within `ms` (left unconsumed); undefined
   * when none did. expectNoEvent means this: the same events an expectEvent would take, so a recipe
   * gives the same verdict however fast the server was (an event caused two steps back may come late).
   */
  async peek(event: EventName, where: Json | undefined, ms: number): Promise<Json | undefined> {
    return (await this.until(() => this.find(event, where), ms))?.msg;
  }

  /** What arrived and was not consumed, for a failure's "what arrived instead". */
  unconsumed(): Json[] {
    return this.events.filter((e) => !e.consumed).map((e) => e.msg);
  }

  private until<T>(probe: () => T | undefined, ms: number): Promise<T | undefined> {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        resolve(undefined);
      }, ms);
      const check = () => {
        const hit = probe();
        if (hit === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(hit);
      };
      this.waiters.add(check);
    });
  }
}
