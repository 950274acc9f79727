import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { appRouter } from './root.js';

/** The OpenAPI 3 document of every REST route, generated from the procedures. */
export function createOpenApiDocument(baseUrl: string): OpenAPIObject {
  return generateOpenApiDocument(appRouter, {
    title: 'Auth API',
    description:
      'Register, sign in, refresh, sign out and list users. The same procedures are served over tRPC at /trpc. Errors are JSON `{ message, code }`.',
    version: '1.0.0',
    baseUrl,
    tags: ['auth', 'users'],
    securitySchemes: {
      Authorization: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    },
  });
}
