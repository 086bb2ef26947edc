/**
 * The customer chat page (GET /) and the operator console (GET /console), built by
 * `npm run build` into `assetsDir` (scripts/build-web.mjs): HTML shells written here from the
 * build's manifest, the hashed bundles under /assets/, a strict Content-Security-Policy (no
 * inline script or style; the pages talk only to this origin). Without a build, the pages say so.
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { ApiProblem } from './problem.js';

export interface WebOptions {
  /** The build's output folder (holds manifest.json and assets/). */
  assetsDir: string;
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // blob: for the console's statechart (fetched with the operator's bearer token); data: for the empty favicon.
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

const PageFilesSchema = z.object({
  js: z.string(),
  css: z.array(z.string()),
  preload: z.array(z.string()).default([]),
});
const ManifestSchema = z.object({ pages: z.object({ chat: PageFilesSchema, console: PageFilesSchema }) });
type PageFiles = z.infer<typeof PageFilesSchema>;

/** A bare file name: no separators, no dot-dot (nothing outside assets/ can be named). */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
/** esbuild's content hash in a name (`chat-XMDJUEJT.js`): such a file never changes. */
const HASHED = /-[A-Z0-9]{8}\.[a-z0-9.]+$/;

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch);

function shell(title: string, files: PageFiles): string {
  const asset = (name: string) => `/assets/${encodeURIComponent(name)}`;
  const head = [
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    '<link rel="icon" href="data:,">',
    ...files.css.map((f) => `<link rel="stylesheet" href="${asset(f)}">`),
    ...files.preload.map((f) => `<link rel="modulepreload" href="${asset(f)}">`),
    `<script type="module" src="${asset(files.js)}"></script>`,
  ];
  const body = '<div id="app"><noscript>This page needs JavaScript.</noscript></div>';
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    ...head,
    '</head>',
    '<body>',
    body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const NOT_BUILT = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Not built</title>
</head>
<body>
<h1>The web pages are not built yet</h1>
<p>Run <code>npm run build</code> (or <code>node scripts/build-web.mjs</code>), then reload this page.</p>
<p>The API works without them: see <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body>
</html>
`;

function htmlResponse(body: string, status: number): Response {
  return new Response(body, {
    status,
    headers: {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'Cache-Control': 'no-cache',
    },
  });
}

/** Registers GET /, GET /console and GET /assets/:name. */
export function registerWebRoutes(app: OpenAPIHono, options: WebOptions): void {
  // Read once it exists (a build after the server started is picked up on the next request).
  let manifest: z.infer<typeof ManifestSchema> | null = null;
  const loadManifest = async () => {
    if (manifest) return manifest;
    try {
      const parsed = ManifestSchema.safeParse(
        JSON.parse(await readFile(join(options.assetsDir, 'manifest.json'), 'utf8')),
      );
      manifest = parsed.success ? parsed.data : null;
    } catch {
      manifest = null;
    }
    return manifest;
  };

  const page = (name: 'chat' | 'console', title: string) => async () => {
    const m = await loadManifest();
    return m ? htmlResponse(shell(title, m.pages[name]), 200) : htmlResponse(NOT_BUILT, 503);
  };
  app.get('/', page('chat', 'Customer support'));
  app.get('/console', page('console', 'Operator console'));

  app.get('/assets/:name', async (c) => {
    const name = c.req.param('name');
    const type = CONTENT_TYPES[extname(name)];
    if (!ASSET_NAME.test(name) || name.includes('..') || !type) throw new ApiProblem(404, 'no such asset');
    let body: Buffer;
    try {
      body = await readFile(join(options.assetsDir, 'assets', name));
    } catch {
      throw new ApiProblem(404, 'no such asset');
    }
    return new Response(new Uint8Array(body), {
      status: 200,
      headers: {
        ...SECURITY_HEADERS,
        'Content-Type': type,
        'Cache-Control': HASHED.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache',
      },
    });
  });
}
