/** Package name and version, written nowhere on the hot path but reported by diagnostics. A test checks them against package.json. */
export const PACKAGE_NAME = 'otel-xray';
export const PACKAGE_VERSION = '0.1.0';
