import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/api/web.js';
import { buildApi, type ApiFixture } from './api-harness.js';

const manifest = {
  pages: {
    chat: { js: 'chat-ABCDEFGH.js', css: ['chat-IJKLMNOP.css'], preload: ['chunk-QRSTUVWX.js'] },
    console: { js: 'console-ABCDEFGH.js', css: [], preload: [] },
  },
};

describe('web pages', () => {
  let built: string;
  let missing: string;
  let api: ApiFixture;
  let bare: ApiFixture;
  beforeAll(async () => {
    built = await mkdtemp(join(tmpdir(), 'web-built-'));
    missing = await mkdtemp(join(tmpdir(), 'web-missing-'));
    await mkdir(join(built, 'assets'));
    await writeFile(join(built, 'manifest.json'), JSON.stringify(manifest));
    await writeFile(join(built, 'assets', 'chat-ABCDEFGH.js'), 'console.log("chat")');
    await writeFile(join(built, 'assets', 'chat-IJKLMNOP.css'), 'body{}');
    await writeFile(join(built, 'assets', 'notes.js'), '1');
    api = await buildApi([], { web: { assetsDir: built } });
    bare = await buildApi([], { web: { assetsDir: missing } });
  });
  afterAll(async () => {
    await api.close();
    await bare.close();
    await rm(built, { recursive: true, force: true });
    await rm(missing, { recursive: true, force: true });
  });

  it('serves the chat shell with a strict CSP and no inline script', async () => {
    const res = await api.app.request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toBe(CONTENT_SECURITY_POLICY);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/assets/chat-ABCDEFGH.js"></script>');
    expect(html).toContain('href="/assets/chat-IJKLMNOP.css"');
    expect(html).toContain('rel="modulepreload" href="/assets/chunk-QRSTUVWX.js"');
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=|<style/);
  });

  it('serves the console shell at /console', async () => {
    const res = await api.app.request('/console');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('/assets/console-ABCDEFGH.js');
  });

  it('serves hashed assets with their content type as immutable, unhashed ones revalidated', async () => {
    const js = await api.app.request('/assets/chat-ABCDEFGH.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log("chat")');
    const css = await api.app.request('/assets/chat-IJKLMNOP.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const plain = await api.app.request('/assets/notes.js');
    expect(plain.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers 404 problem+json for unknown assets, traversal attempts and unknown types', async () => {
    for (const path of [
      '/assets/nope-ABCDEFGH.js',
      '/assets/..%2Fmanifest.json',
      '/assets/.env.js',
      '/assets/manifest',
    ]) {
      const res = await api.app.request(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('says in words to run npm run build when the bundle is missing', async () => {
    for (const path of ['/', '/console']) {
      const res = await bare.app.request(path);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toContain('npm run build');
    }
  });

  it('leaves / unrouted when the app is built without web options', async () => {
    const plain = await buildApi([]);
    try {
      expect((await plain.app.request('/')).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
