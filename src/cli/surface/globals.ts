import type { ValuedGlobal } from './routing.js';
import type { OptionDecl } from './types.js';

// The options every command takes (CONTRACT: "Global options"), with the environment variable each
// falls back to named in its description; main.ts reads their values.

type Switch = 'json' | 'insecure' | 'color';

/** A global that takes a value is a string, a switch a boolean: routing.ts's VALUED_GLOBALS and this agree, or tsc fails. */
type Globals = { readonly [O in ValuedGlobal | Switch]-?: OptionDecl & { type: O extends ValuedGlobal ? 'string' : 'boolean' } };

export const GLOBAL_OPTIONS: Globals = {
  server: { type: 'string', describe: 'wss://host or ws://host:port of the AAPI (env AAPI_SERVER)' },
  profile: { type: 'string', describe: 'which session to use (env AAPI_PROFILE; default "default")', completes: 'profile' },
  json: { type: 'boolean', describe: 'one JSON object per line on stdout, nothing else' },
  timeout: { type: 'string', describe: 'how long to wait for a response: 500ms, 30s, 2m (env AAPI_TIMEOUT; default 30s)' },
  'max-frame': { type: 'string', describe: 'refuse to send a request whose frame is larger: 256k, 1m, 2MiB, or bytes (env AAPI_MAX_FRAME; default 1MiB)' },
  insecure: { type: 'boolean', describe: 'accept a self-signed TLS certificate (the simulator\'s)' },
  ca: { type: 'string', describe: 'also trust the certificate authorities in this PEM file for wss:// (env AAPI_CA)', completes: 'file' },
  color: { type: 'boolean', describe: 'colour output; --no-color for plain text (env NO_COLOR)', default: true },
};

/** The options yargs answers itself: not registered, but in help, completion and suggestions. */
export const YARGS_OPTIONS = {
  help: { type: 'boolean', describe: 'show help' },
  version: { type: 'boolean', describe: 'show the version' },
} as const satisfies Record<string, OptionDecl>;
