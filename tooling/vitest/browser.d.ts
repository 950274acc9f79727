export declare const CHROMIUM_PATH: string;
export declare const CHROMIUM_ARGS: string[];
/** True when Chromium is there, or required (CHROMIUM_PATH or REQUIRE_SERVICES=1 set: its absence must fail); logs a notice when skipping. */
export declare function shouldRunBrowserTests(what: string): boolean;
/** Throws when Chromium is missing. */
export declare function assertChromium(): void;
