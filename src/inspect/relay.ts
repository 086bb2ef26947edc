/**
 * The inspector relay for `npm run inspect`: a WebSocket server on 127.0.0.1 that passes
 * inspection messages from the support server to the browser showing the Stately inspector, and
 * replays everything it has seen to a browser that connects later. Unlike the package's
 * createInspectorServer it binds to loopback only, accepts pages only from itself (Origin and
 * Host checked), opens no browser, and keeps every message (no 200-message cap).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

export const DEFAULT_RELAY_PORT = 8790;
export const STATELY_INSPECTOR_URL = 'https://stately.ai/inspect';

export interface RelayOptions {
  port?: number;
  /** Default 127.0.0.1; the relay has no authentication, so keep it on loopback. */
  host?: string;
  /** The inspector UI the bridge page embeds. */
  inspectorUrl?: string;
  /** Messages kept for late viewers (default 1,000,000; the oldest go first past that). */
  maxBuffered?: number;
  /** Extra page origins allowed to connect (the bridge page's own origin always is). */
  allowedOrigins?: string[];
  onWarning?: (message: string) => void;
}

export interface Relay {
  port: number;
  /** ws://127.0.0.1:<port>: what SUPPORT_INSPECT points at. */
  wsUrl: string;
  /** The bridge page: the Stately inspector in a frame, fed from this relay. */
  pageUrl: string;
  /** The hosted inspector told about this relay directly. */
  inspectorUrl: string;
  /** Sends one inspection message to every viewer (and keeps it for later ones). */
  publish(message: unknown): void;
  buffered(): number;
  close(): Promise<void>;
}

function bridgePage(inspectorUrl: string): string {
  const frameSrc = JSON.stringify(inspectorUrl).replace(/</g, '\\u003c');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Support agent · Stately inspector</title>
<style>html,body{height:100%;margin:0}iframe{border:0;width:100%;height:100%}</style></head>
<body><iframe id="inspector"></iframe>
<script>
  const frame = document.getElementById('inspector');
  frame.src = ${frameSrc};
  const queue = [];
  let ready = false;
  window.addEventListener('message', (e) => {
    if (e.source === frame.contentWindow && e.data && e.data.type === '@statelyai.connected') {
      ready = true;
      for (const m of queue.splice(0)) frame.contentWindow.postMessage(m, '*');
    }
  });
  const ws = new WebSocket('ws://' + location.host);
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (ready) frame.contentWindow.postMessage(m, '*');
    else queue.push(m);
  };
</script></body></html>`;
}

const isInspectionMessage = (value: unknown): boolean =>
  value !== null &&
  typeof value === 'object' &&
  typeof (value as { type?: unknown }).type === 'string' &&
  (value as { type: string }).type.startsWith('@xstate.');

/** Starts the relay; resolves once it listens (rejects with EADDRINUSE when the port is taken). */
export async function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const host = options.host ?? '127.0.0.1';
  const maxBuffered = options.maxBuffered ?? 1_000_000;
  const warn = options.onWarning ?? ((m: string) => process.stderr.write(`${m}\n`));
  const frameUrl = options.inspectorUrl ?? STATELY_INSPECTOR_URL;
  const buffer: string[] = [];
  let warnedFull = false;
  let port = options.port ?? DEFAULT_RELAY_PORT;

  const ownHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${host}:${port}`];
  const server = createServer((req, res) => {
    // a page elsewhere could otherwise reach this loopback server through DNS rebinding
    if (!ownHosts().includes(req.headers.host ?? '')) {
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('misdirected request\n');
      return;
    }
    res
      .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
      .end(bridgePage(frameUrl));
  });
  const allowedOrigin = (req: IncomingMessage) => {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // not a browser: the support server's WebSocket inspector
    const allowed = [
      ...ownHosts().map((h) => `http://${h}`),
      new URL(frameUrl).origin,
      ...(options.allowedOrigins ?? []),
    ];
    return allowed.includes(origin);
  };
  const wss = new WebSocketServer({
    server,
    maxPayload: 4 * 1024 * 1024,
    verifyClient: (info: { req: IncomingMessage }) => allowedOrigin(info.req),
  });

  const publishRaw = (text: string, from?: WebSocket) => {
    buffer.push(text);
    if (buffer.length > maxBuffered) {
      buffer.shift();
      if (!warnedFull) warn(`inspect relay: more than ${maxBuffered} messages; late viewers miss the oldest`);
      warnedFull = true;
    }
    for (const client of wss.clients) if (client !== from && client.readyState === WebSocket.OPEN) client.send(text);
  };

  wss.on('connection', (socket) => {
    for (const text of buffer) socket.send(text);
    socket.on('message', (data) => {
      const text = data.toString();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return;
      }
      if (isInspectionMessage(parsed)) publishRaw(text, socket);
    });
  });

  // the WebSocket server re-emits the HTTP server's errors: a failed listen is the promise's to report
  let listening = false;
  wss.on('error', (error) => {
    if (listening) warn(`inspect relay: ${error.message}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      listening = true;
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const wsUrl = `ws://127.0.0.1:${port}`;
  return {
    port,
    wsUrl,
    pageUrl: `http://127.0.0.1:${port}/`,
    inspectorUrl: `${frameUrl}?server=${wsUrl}`,
    publish: (message) => publishRaw(JSON.stringify(message)),
    buffered: () => buffer.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => server.close(() => resolve()));
      }),
  };
}
