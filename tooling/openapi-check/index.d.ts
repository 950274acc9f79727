/** Runs `redocly lint` with the recommended rules on a file; resolves to its output, rejects when it finds an error. */
export declare function redoclyLint(file: string): Promise<string>;
/** Writes the openapi-typescript types (`paths`, `components`) of a document to a file. */
export declare function writeClientTypes(document: unknown, file: string): Promise<void>;
/** Typechecks a folder of TypeScript that imports openapi-fetch; resolves to tsc's output, empty when it compiles. */
export declare function typecheckClient(dir: string): Promise<string>;
/** A fresh folder inside this package (git-ignored) where a generated client resolves openapi-fetch. */
export declare function clientFolder(name: string): string;
