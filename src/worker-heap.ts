// The node flags a worker process runs with (vtmigrate-local, the Docker image and the bench
// start it with them; run `node --max-old-space-size=160 bin/vtmigrate.js worker ...` likewise).
//
// V8 sizes its old generation from the machine's memory and lets it grow several times past the
// live data before collecting: on a 24 GiB machine the worker's RSS reached ~490 MB copying and
// ~660 MB catching up a backlog, with under 100 MB of it live. Capped at 160 MB the heap is
// collected before it bloats: measured on the bench, peak RSS stays under 300 MB in every phase,
// for a few percent more CPU in catch-up (more frequent full collections).
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=160'];
