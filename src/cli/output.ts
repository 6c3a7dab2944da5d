import { Chalk, type ChalkInstance } from 'chalk';
import type { Json } from '../protocol/codec.js';
import { AapiError } from '../session/errors.js';
import { mask } from '../session/mask.js';
import type { IO } from '../util/io.js';

export interface OutputOptions {
  json?: boolean;
  color?: boolean;
}

/** Data to stdout (one JSON object per line with --json or on a pipe), messages to stderr. */
export class Printer {
  readonly c: ChalkInstance;
  constructor(readonly io: IO, readonly opts: OutputOptions) {
    const colour = opts.color !== false && !io.env.NO_COLOR && (io.tty.stdout || !!io.env.FORCE_COLOR);
    this.c = new Chalk({ level: colour ? 1 : 0 });
  }

  /** Machine-readable output: --json, or stdout is not a terminal. */
  get machine(): boolean {
    return !!this.opts.json || !this.io.tty.stdout;
  }

  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(mask(value))}\n`);
  }

  /** A response or an event: a JSON line for machines, `key: value` lines for people. */
  message(msg: Json, title?: string): void {
    if (this.machine) return this.json(msg);
    if (title) this.io.stdout.write(`${this.c.bold(title)}\n`);
    for (const [k, v] of Object.entries(mask(msg) as Json)) {
      this.io.stdout.write(`  ${this.c.cyan(k)}: ${typeof v === 'string' ? v : JSON.stringify(v)}\n`);
    }
  }

  line(text: string): void {
    this.io.stdout.write(`${text}\n`);
  }

  info(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** `ERROR 320 Serious: Cannot disposition, agent is not in wrap`, then the catalogue's hint. */
  serverError(err: AapiError): void {
    if (this.opts.json) this.json(err.response);
    this.io.stderr.write(`${this.c.red(err.message)}\n`);
    if (err.hint) this.io.stderr.write(`${this.c.dim(`hint: ${err.hint}`)}\n`);
  }
}
