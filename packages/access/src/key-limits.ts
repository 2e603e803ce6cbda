/** Per-key limits as stored with the key; null means the deployment's default applies. */
export interface KeyLimits {
  maxRequestsPerMinute: number | null;
  maxConcurrentUploads: number | null;
  maxUploadBytes: number | null;
}

/** The deployment's limits (GATEWAY_RATE_LIMIT_PER_MINUTE, …_MAX_CONCURRENT_UPLOADS, …_MAX_UPLOAD_BYTES). */
export interface AccessDefaults {
  maxRequestsPerMinute: number;
  maxConcurrentUploads: number;
  maxUploadBytes: number;
}

/** The limits that hold for one key: every one of them set. */
export type EffectiveLimits = AccessDefaults;

/** A key's own limits over the defaults; a key may lower the upload size limit, never raise it. */
export const effectiveLimits = (limits: KeyLimits, defaults: AccessDefaults): EffectiveLimits => ({
  maxRequestsPerMinute: limits.maxRequestsPerMinute ?? defaults.maxRequestsPerMinute,
  maxConcurrentUploads: limits.maxConcurrentUploads ?? defaults.maxConcurrentUploads,
  maxUploadBytes: Math.min(limits.maxUploadBytes ?? Infinity, defaults.maxUploadBytes),
});
