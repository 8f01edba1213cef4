// The node flags a worker process runs with (vtmigrate-local, the Docker image and the bench
// start it with them; run `node --max-old-space-size=512 bin/vtmigrate.js worker ...` likewise).
//
// V8 sizes its old generation from the machine's memory and lets it grow several times past the
// live data before collecting: on a 24 GiB machine the worker's RSS reached ~490 MB copying and
// ~660 MB catching up a backlog, with under 100 MB of it live. A cap keeps it collecting: 512 MB
// measured on the bench (2026-12-02) kept peak RSS at 268 MB (160 MB: 263 MB). 160 MB was too
// little for large rows: catch-up of a ~40 MB row (17 MB BLOB + 17 MB text + JSON) ran the worker
// out of heap, and it failed again on every retry; at 512 rows of 60 MB apply.
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=512'];
