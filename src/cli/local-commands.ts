// The commands that run in the caller's own process, never in the session server: they read the
// caller's terminal, files or standard input, or start processes of their own. The thin client
// hands every other command to the server; the server hands these back (see RUN_LOCALLY). Kept free
// of imports: the thin client loads it on every call.
export const LOCAL_COMMANDS = new Set(['login', 'sim', 'run', 'batch', 'console', 'completion', '__server']);
