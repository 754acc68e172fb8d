/** Per-id liveness in the engine's state array. */
export const ID_NONE = 0;
export const ID_LIVE = 1;
/** The id's last alloc failed: its later ops are skipped until it is allocated again. */
export const ID_FAILED = 2;
