import { clearLine, cursorTo, moveCursor } from 'node:readline';

/** ora sets up Intl.Segmenter when it is loaded (about 10 ms): it is loaded only to show a spinner. */
export async function spin(text: string, stream: NodeJS.WritableStream, columns: number | undefined) {
  const { default: ora } = await import('ora');
  // Through the daemon, a hidden cursor would stay hidden if the client went first (Ctrl-C); and the
  // daemon's own stdin is not the user's.
  return ora({ text, stream: asTerminal(stream, columns), isEnabled: true, hideCursor: false, discardStdin: false }).start();
}

/**
 * Run by the daemon, a command writes to the caller's terminal through the client: its stream is no
 * TTY, and ora would neither clear nor redraw its line. Made to act as one, it moves the cursor with
 * the escape codes a terminal would get.
 */
function asTerminal(stream: NodeJS.WritableStream, columns: number | undefined): NodeJS.WritableStream {
  if ((stream as { isTTY?: boolean }).isTTY) return stream;
  const terminal = {
    isTTY: true,
    columns: columns ?? 80,
    write: (chunk: string, ...rest: unknown[]) => (stream.write as (...a: unknown[]) => boolean)(chunk, ...rest),
    cursorTo: (x: number, y?: number) => cursorTo(stream, x, y),
    clearLine: (dir: -1 | 0 | 1) => clearLine(stream, dir),
    moveCursor: (dx: number, dy: number) => moveCursor(stream, dx, dy),
    once: (event: string, fn: () => void) => (stream.once(event, fn), terminal),
    removeListener: (event: string, fn: () => void) => (stream.removeListener(event, fn), terminal),
  };
  return terminal as unknown as NodeJS.WritableStream;
}
