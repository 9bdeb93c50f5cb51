/**
 * Security headers. The CSP allows nothing but our own origin: no inline
 * scripts or styles (htmx's indicator CSS is disabled by its config meta tag
 * and lives in our stylesheet; we use no hx-on or js: expressions, which
 * would need eval).
 */
import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

export default fp(
  async (app) => {
    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'connect-src': ["'self'"],
          // blob: only for the composer's previews of picked images (object URLs, app.js) before they upload.
          'img-src': ["'self'", 'data:', 'blob:'],
          'frame-ancestors': ["'none'"],
          'base-uri': ["'none'"],
          'form-action': ["'self'"],
          'object-src': ["'none'"],
          // Only behind https: on plain http it would break same-origin loads.
          ...(app.config.secureCookies ? { 'upgrade-insecure-requests': [] } : {}),
        },
      },
      hsts: app.config.secureCookies ? { maxAge: 31_536_000, includeSubDomains: false } : false,
      referrerPolicy: { policy: 'same-origin' },
    });
  },
  { name: 'helmet', dependencies: ['config'] },
);
