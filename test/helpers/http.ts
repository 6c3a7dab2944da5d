import { request } from 'node:http';

// Raw HTTP to the simulator with the headers a browser (or a DNS-rebinding page) would send, which
// fetch will not let a test set (Host), and the answer to a WebSocket upgrade before any frame.

export interface Answer {
  status: number;
  body: string;
}

/** One HTTP request to `url` with these headers and body; bounded by `ms`. */
export function http(url: string, o: { method?: string; headers?: Record<string, string>; body?: string; ms?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers, timeout: o.ms ?? 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${o.ms ?? 5000} ms`)));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** A WebSocket handshake to `url` (ws://) with these extra headers: 101 when accepted, else the refusal. */
export function upgrade(url: string, headers: Record<string, string> = {}, ms = 5000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url.replace(/^ws/, 'http'), {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13', ...headers },
      timeout: ms,
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to the upgrade within ${ms} ms`)));
    req.on('error', reject);
    req.end();
  });
}
