/**
 * Node.js options every launcher of the connector passes (`npm start`, the container's entry point, the
 * Functions app's NODE_OPTIONS app setting; tests check that they agree, test/hosting/node-flags.test.ts).
 *
 * `--max-semi-space-size=16` caps V8's young generation at 16 MB per semi-space. On a large machine V8 sizes
 * it from the heap limit (here up to 64 MB per semi-space), and the connector's peak RSS in the end-to-end
 * benchmark was 410-450 MiB with the default against 255-282 MiB with the cap, at the same CPU per row within
 * noise (docs/performance.md). V8 reads the flag when the heap is created, so it cannot be set from code.
 */
export const NODE_RUNTIME_FLAGS = ["--max-semi-space-size=16"] as const;

/** The same flags as one NODE_OPTIONS value. */
export const NODE_OPTIONS_VALUE = NODE_RUNTIME_FLAGS.join(" ");
