// The node flags a worker process runs with (vtmigrate-local, the Docker image and the bench
// start it with them; run `node --max-old-space-size=512 bin/vtmigrate.js worker ...` likewise).
//
// V8 sizes its old generation from the machine's memory and lets it grow several times past the
// live data before collecting: on a 24 GiB machine the worker's RSS reached ~490 MB copying and
// ~660 MB catching up a backlog, with under 100 MB of it live. A cap keeps it collecting: 512 MB
// measured on the bench (2026-12-02) kept peak RSS at 268 MB (160 MB: 263 MB). 160 MB was too
// little for large rows: catch-up of a ~40 MB row (17 MB BLOB + 17 MB text + JSON) ran the worker
// out of heap, and it failed again on every retry; at 512 rows of 60 MB apply.
//
// The copy and catch-up allocate Buffers fast (socket reads, LOAD DATA input) but keep little:
// old space holds ~40 MB. V8 counts Buffer memory allocated since the last full collection
// against the old-space limit, whose default slack over 40 MB is only ~20-30 MB, so the worker
// ran a full mark-compact every 100-150 ms of a copy (65 per copy of the bench's 1.1M rows).
// --heap-growing-percent=100 lets old space double before the next one; a 4 MB semi-space keeps
// the young generation (and RSS) small and scavenges cheap. Measured on the bench (2026-12-04,
// 2 runs each): mark-compacts per copy 65 -> 22, worker CPU per copy 6.8-8.1 s -> 3.6-4.5 s,
// copy 108k -> 142-158k rows/s, catch-up worker CPU per change 22-25 -> 19-21 µs, peak RSS
// 260 -> 231-249 MB (growing-percent alone: 284 MB).
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=512', '--max-semi-space-size=4', '--heap-growing-percent=100'];
