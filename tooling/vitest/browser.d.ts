export declare const CHROMIUM_PATH: string;
export declare const CHROMIUM_ARGS: string[];
export declare const isCi: boolean;
/** True when Chromium is there, or under CI (where its absence must fail); logs a notice when skipping. */
export declare function shouldRunBrowserTests(what: string): boolean;
/** Throws (under CI) when Chromium is missing. */
export declare function assertChromium(): void;
