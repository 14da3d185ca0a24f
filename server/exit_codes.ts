/**
 * A worker that exits with this refused to start because of a setting (README "Operations"),
 * not a crash: every worker would refuse the same, so the primary stops instead of restarting it.
 */
export const REFUSED_TO_START = 78; // EX_CONFIG of sysexits.h
