/** Per service: whether its tests must run (and fail when it is missing) rather than be skipped. */
export declare const isRequired: { mysql: boolean; redis: boolean; chromium: boolean; nginx: boolean };
