interface ImportMetaEnv {
  /**
   * The API server's base URL; the client calls `<url>/trpc`. Default '': this
   * page's own origin (Vite's dev proxy, or a reverse proxy in front of both).
   */
  readonly VITE_API_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
