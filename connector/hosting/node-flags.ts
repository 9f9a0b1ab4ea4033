/**
 * Node.js options every launcher of the connector passes (`npm start`, the container's entry point, the
 * Functions app's NODE_OPTIONS app setting; tests check that they agree, test/hosting/node-flags.test.ts).
 *
 * `--max-semi-space-size=8` caps V8's young generation at 8 MB per semi-space. On a large machine V8 sizes it
 * from the heap limit (here up to 64 MB per semi-space): the connector's peak RSS in the end-to-end benchmark
 * (1.2M records) was 410-470 MiB with V8's sizing, 282-289 MiB with a 16 MB cap at the same CPU per row, and
 * 268 MiB with 8 MB for ~5 % more CPU (docs/performance.md). V8 reads the flag when the heap is created, so it cannot be set from code.
 */
export const NODE_RUNTIME_FLAGS = ["--max-semi-space-size=8"] as const;

/** The same flags as one NODE_OPTIONS value. */
export const NODE_OPTIONS_VALUE = NODE_RUNTIME_FLAGS.join(" ");
