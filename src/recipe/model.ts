import type { Json } from '../protocol/codec.js';
import type { EventName, Verb } from '../protocol/types.js';
import type { Direction, WireFrame } from '../session/frame-log.js';
import type { Position, Source } from './source.js';

// A recipe as the runner sees it: checked against the catalogue, every step with its place in the file.

export type Path = (string | number)[];

interface StepBase {
  path: Path;
  session: string;
  /** A label for reports; derived from the action when not given. */
  title: string;
}

export interface SendStep extends StepBase {
  kind: 'send';
  verb: Verb;
  with: Json;
  expect?: Json;
  expectError?: number;
  capture?: Record<string, string>;
}

export interface ExpectEventStep extends StepBase {
  kind: 'expectEvent';
  event: EventName;
  where?: Json;
  withinMs: number;
  capture?: Record<string, string>;
}

export interface ExpectNoEventStep extends StepBase {
  kind: 'expectNoEvent';
  event: EventName;
  where?: Json;
  withinMs: number;
}

export interface SleepStep extends StepBase {
  kind: 'sleep';
  ms: number;
}

export interface ForEachStep extends StepBase {
  kind: 'forEach';
  /** A CSV or JSONL file (relative to the recipe) or an inline array. */
  rows: string | unknown[];
  as: string;
  steps: Step[];
}

/** Makes the simulated world move (a call, a hang-up, a chat): only against a simulator. */
export interface ControlStep extends StepBase {
  kind: 'control';
  operation: string;
  with: Json;
  /** It drops every connection on purpose (`reset`): the recipe's sessions are opened again after it. */
  reopens: boolean;
}

export type Step = SendStep | ExpectEventStep | ExpectNoEventStep | SleepStep | ForEachStep | ControlStep;

export interface SessionDef {
  /** When given, the runner authenticates (and connects) the session before the first step. */
  agent?: string;
  password?: string;
  extension?: string;
  tenant?: string;
  campaign?: string;
}

export interface Recipe {
  file: string;
  source: Source;
  name: string;
  vars: Json;
  /** Names of vars whose values are shown as [Masked]. */
  secrets: string[];
  sessions: Record<string, SessionDef>;
  steps: Step[];
}

export type StepStatus = 'passed' | 'failed' | 'skipped';

export interface StepResult {
  path: Path;
  position: Position;
  title: string;
  session: string;
  status: StepStatus;
  /** When it began, in ms from the recipe's start (for the timeline). */
  startMs?: number;
  ms: number;
  /** What it matched, for the reader to believe it: `→ ERROR 320 (expected)`, `(URN 1001, after 1.0 s)`. */
  note?: string;
  /** Why it failed: what was expected and what arrived. */
  message?: string;
  expected?: unknown;
  actual?: unknown;
}

export interface RecipeResult {
  file: string;
  name: string;
  source: Source;
  steps: StepResult[];
  ms: number;
  /** A failure outside any step (the server could not be reached ...). */
  error?: string;
  /** The server could not be reached at all. */
  unreachable?: boolean;
  /** What to do about `error`, when that is known (a certificate to trust, the wrong scheme ...). */
  hint?: string;
  passed: boolean;
  /** Every frame of every session, in the order they went, unmasked: a reporter masks them. */
  frames?: FrameRecord[];
}

export interface FrameRecord {
  session: string;
  /** ms from the recipe's start. */
  ms: number;
  dir: Direction;
  frame: WireFrame;
}
