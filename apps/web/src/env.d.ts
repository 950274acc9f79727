interface ImportMetaEnv {
  /** The API server's base URL; the client calls `<url>/trpc`. Default `http://127.0.0.1:3000`. */
  readonly VITE_API_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
