/**
 * @module version — the dfly release this code is, shown by `dfly version`,
 * the tracker's overview and the `dfly_build_info` metric.
 */

/** The dfly version (semver). */
export const DFLY_VERSION = "0.1.0";
