/**
 * JSON shapes shared by the step SDK and the store. They live apart from both so that neither has
 * to import the other for them (the store once imported the SDK for `JsonObject`, and the SDK the
 * store for its credential interfaces: a cycle).
 */

/** A value JSON can carry. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * A JSON object whose values are not yet known: documents, configs, variables and snapshots are
 * checked against their schemas at run time, so their members stay `unknown` until narrowed.
 */
export type JsonObject = { [key: string]: unknown };
