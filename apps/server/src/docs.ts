import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import express, { type Router } from 'express';
import helmet from 'helmet';

/**
 * The interactive API docs (Swagger UI), served entirely from this server:
 * no CDN, fonts or analytics, so the page works offline and under a CSP that
 * allows only 'self'.
 */

const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/**
 * The only files of swagger-ui-dist we serve. Not the folder: its index.html
 * and swagger-initializer.js would load the Petstore demo from the internet.
 */
const SWAGGER_UI_FILES = new Set([
  'swagger-ui.css',
  'swagger-ui.css.map',
  'swagger-ui-bundle.js',
  'swagger-ui-bundle.js.map',
  'favicon-16x16.png',
  'favicon-32x32.png',
]);

/**
 * Our initializer, a file of its own so that script-src needs no
 * 'unsafe-inline'. It reads the document URL from the page, turns off
 * everything that would call out to the internet (the validator badge, the
 * `?url=` / `?configUrl=` query parameters) and uses the plain layout, which
 * has no "Explore" bar for loading other documents. A token pasted into
 * Authorize stays in memory (persistAuthorization is off by default).
 */
const INITIALIZER_JS = `'use strict';
window.addEventListener('DOMContentLoaded', function () {
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: root.getAttribute('data-spec-url'),
    domNode: root,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    deepLinking: true,
    validatorUrl: null,
    queryConfigEnabled: false,
    withCredentials: false,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 1,
    tryItOutEnabled: false,
  });
});
`;

const PAGE_CSS = `body { margin: 0; background: #fafafa; }
noscript p { margin: 2rem; font-family: sans-serif; }
`;

const INITIALIZER_FILE = 'docs-initializer.js';
const PAGE_CSS_FILE = 'docs.css';

/**
 * Every directive spelled out, nothing inherited from helmet's defaults:
 * - img-src allows `data:` because swagger-ui.css draws its icons (arrows,
 *   locks, the copy button) as `data:image/svg+xml` background images.
 * - No 'unsafe-inline' or 'unsafe-eval' anywhere: styles Swagger UI sets at
 *   run time go through the CSSOM (React's `style` prop), which CSP allows.
 * - No upgrade-insecure-requests: the page must load its own assets over
 *   whatever scheme it was served on (http on a LAN address in development);
 *   'self' already pins them to this origin, and HSTS does the upgrading.
 */
const DOCS_CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
} as const satisfies Record<string, readonly string[]>;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

function pageHtml(assetsUrl: string, specUrl: string): string {
  const assets = escapeHtml(assetsUrl);
  const spec = escapeHtml(specUrl);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Auth API docs</title>
<link rel="stylesheet" href="${assets}/swagger-ui.css">
<link rel="stylesheet" href="${assets}/${PAGE_CSS_FILE}">
<link rel="icon" type="image/png" href="${assets}/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="${assets}/favicon-16x16.png" sizes="16x16">
</head>
<body>
<noscript><p>The interactive docs need JavaScript. The OpenAPI document is at <a href="${spec}">${spec}</a>.</p></noscript>
<div id="swagger-ui" data-spec-url="${spec}"></div>
<script src="${assets}/swagger-ui-bundle.js"></script>
<script src="${assets}/${INITIALIZER_FILE}"></script>
</body>
</html>
`;
}

/**
 * The docs router: the page at its mount point (e.g. `/api/docs`) and its
 * assets under `assets/`. Links are built from the mount point, so the page
 * works wherever it is mounted.
 */
export function createDocsRouter(options: { specUrl: string }): Router {
  const router = express.Router();
  router.use(helmet.contentSecurityPolicy({ useDefaults: false, directives: DOCS_CONTENT_SECURITY_POLICY }));

  router.get('/', (req, res) => {
    res.type('html').send(pageHtml(`${req.baseUrl}/assets`, options.specUrl));
  });
  router.get(`/assets/${INITIALIZER_FILE}`, (_req, res) => {
    res.type('text/javascript').send(INITIALIZER_JS);
  });
  router.get(`/assets/${PAGE_CSS_FILE}`, (_req, res) => {
    res.type('text/css').send(PAGE_CSS);
  });
  router.get('/assets/:file', (req, res, next) => {
    const file = req.params.file;
    if (!SWAGGER_UI_FILES.has(file)) {
      next();
      return;
    }
    res.sendFile(file, { root: SWAGGER_UI_DIR });
  });
  return router;
}
