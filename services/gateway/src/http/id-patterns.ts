/** Job and webhook endpoint ids (UUIDs): anything else is answered as not found. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A dataset name: an identifier of 1 to 63 characters. */
export const DATASET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export const DATASET_NAME_RULE = 'must be 1 to 63 letters, digits or _, not starting with a digit';
