// A Vitess topology server over etcd with the semantics of Vitess's etcd2 plugin
// (go/vt/topo/etcd2topo): every key is path.Join(root, relPath), versions are etcd mod revisions,
// create is a transaction on Version(key)==0, a versioned update or delete is a transaction on
// ModRevision(key)==version, and a directory listing is a prefix scan that keeps the first path
// segment after `<root>/<dir>/`.
//
// Every call is bounded in time. The etcd3 client would otherwise retry and wait for a
// connection for a long time (its `dialTimeout` option is not used by etcd3 1.1.2, and its
// default fault handling retries three times behind a circuit breaker), which an operator sees
// as a hung command. So each call carries a gRPC deadline, fault handling is a pass-through (the
// callers, Temporal activities or an operator at a prompt, decide about retries), and a failure
// to reach the server becomes a TopoError that names the server and the root.
import * as path from 'node:path';
import {
  Etcd3,
  EtcdError,
  GRPCDeadlineExceededError,
  GRPCGenericError,
  type IOptions,
  type IKeyValue,
} from 'etcd3';
import type { CallOptions } from '@grpc/grpc-js';
import { TopoError, badVersionError, noNodeError, nodeExistsError } from './errors';

export interface TopoServer {
  /** The server address(es) as given, e.g. `localhost:2379` (comma-separated for several). */
  readonly server: string;
  /** The root every relative path is joined to, e.g. `/vitess/global`. */
  readonly root: string;
  /** The value and version of a node; NoNode if it is absent. */
  get(relPath: string): Promise<{ value: Buffer; version: string }>;
  /** Creates a node that must not exist yet (NodeExists otherwise); returns its version. */
  create(relPath: string, value: Uint8Array): Promise<string>;
  /** With a version, writes only if the node still has it (BadVersion otherwise); without, writes unconditionally. */
  update(relPath: string, value: Uint8Array, version?: string): Promise<string>;
  /** Deletes a node; NoNode if it is absent, BadVersion if a given version does not match. */
  delete(relPath: string, version?: string): Promise<void>;
  /** Sorted names of the direct children of a directory; [] if the directory is absent. */
  listDir(relPath: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface TopoAddress {
  /** Only `etcd2` is supported; empty or absent means `etcd2`. */
  implementation?: string;
  server: string;
  root: string;
}

export interface TopoOptions {
  /** Upper bound for each call, in milliseconds. */
  timeoutMs?: number;
}

export const DEFAULT_TOPO_TIMEOUT_MS = 5000;

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

// etcd3 only ever calls `execute` on its policies; this one runs the call once, as is.
const passThrough = {
  execute: <T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> =>
    Promise.resolve().then(() => fn({ signal: new AbortController().signal })),
} as unknown as Policy;

export function openTopo(addr: TopoAddress, opts: TopoOptions = {}): TopoServer {
  const implementation = addr.implementation ?? 'etcd2';
  if (implementation !== '' && implementation !== 'etcd2') {
    throw new Error(`topo implementation ${implementation} is not supported; only etcd2`);
  }
  if (!addr.server) throw new Error('topo server address is empty');
  if (!addr.root) throw new Error(`topo root is empty for topo server ${addr.server}`);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TOPO_TIMEOUT_MS;
  const hosts = addr.server.split(',').map((h) => h.trim()).filter((h) => h !== '');
  const client = new Etcd3({
    hosts,
    faultHandling: { host: () => passThrough, global: passThrough },
  });
  return makeServer({ client, server: addr.server, root: addr.root, timeoutMs, ownsClient: true });
}

/**
 * A view of the same etcd connection under another root (a cell whose topo lives on the same
 * server as the global one). Closing the view leaves the shared connection open.
 */
export function topoWithRoot(topo: TopoServer, root: string): TopoServer {
  const conn = connections.get(topo);
  if (!conn) throw new Error('topoWithRoot needs a TopoServer made by openTopo');
  return makeServer({ ...conn, root, ownsClient: false });
}

interface Connection {
  client: Etcd3;
  server: string;
  root: string;
  timeoutMs: number;
  ownsClient: boolean;
}

const connections = new WeakMap<TopoServer, Connection>();

function makeServer(conn: Connection): TopoServer {
  const { client, server, root, timeoutMs } = conn;
  const fullKey = (relPath: string): string => path.posix.join(root, relPath);

  // Runs one etcd call with a deadline and turns transport failures into TopoErrors.
  async function call<T>(key: string, fn: (options: CallOptions) => Promise<T>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    // A guard in case the library waits somewhere the gRPC deadline does not reach.
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timeoutError(key)), timeoutMs + 1000);
    });
    try {
      return await Promise.race([fn({ deadline }), guard]);
    } catch (err) {
      throw translate(err, key);
    } finally {
      clearTimeout(timer);
    }
  }

  function timeoutError(key: string): TopoError {
    return new TopoError(
      'Timeout',
      `deadline exceeded: ${key} (topo server ${server} did not answer within ${timeoutMs} ms; root ${root})`,
    );
  }

  function translate(err: unknown, key: string): unknown {
    if (err instanceof TopoError) return err;
    // etcd answers UNKNOWN "context deadline exceeded" when our deadline ran out inside it.
    if (err instanceof GRPCDeadlineExceededError || (err instanceof GRPCGenericError && /context deadline exceeded/.test(err.message))) {
      return timeoutError(key);
    }
    // Any gRPC-level failure that is not an answer from etcd itself means we could not talk to
    // the server: refused, reset, not speaking gRPC, a proxy in the way.
    if (err instanceof GRPCGenericError && !(err instanceof EtcdError)) {
      return new TopoError(
        'Unavailable',
        `cannot reach topo server ${server} (root ${root}) for ${key}: ${detail(err)}`,
      );
    }
    if (err instanceof Error) {
      const wrapped = new Error(`topo server ${server} (root ${root}) failed on ${key}: ${detail(err)}`);
      return wrapped;
    }
    return err;
  }

  const topo: TopoServer = {
    server,
    root,

    async get(relPath) {
      const key = fullKey(relPath);
      const resp = await call(key, (o) => client.kv.range({ key: Buffer.from(key) }, o));
      const kv = resp.kvs[0];
      if (resp.kvs.length !== 1 || !kv) throw noNodeError(key);
      return { value: Buffer.from(kv.value), version: String(kv.mod_revision) };
    },

    async create(relPath, value) {
      const key = fullKey(relPath);
      const resp = await call(key, (o) =>
        client.kv.txn(
          {
            compare: [{ key: Buffer.from(key), target: 'Version', result: 'Equal', version: 0 }],
            success: [{ request_put: { key: Buffer.from(key), value: Buffer.from(value) } }],
          },
          o,
        ),
      );
      if (!resp.succeeded) throw nodeExistsError(key);
      return String(resp.header.revision);
    },

    async update(relPath, value, version) {
      const key = fullKey(relPath);
      if (version !== undefined) {
        const resp = await call(key, (o) =>
          client.kv.txn(
            {
              compare: [{ key: Buffer.from(key), target: 'Mod', result: 'Equal', mod_revision: version }],
              success: [{ request_put: { key: Buffer.from(key), value: Buffer.from(value) } }],
            },
            o,
          ),
        );
        if (!resp.succeeded) throw badVersionError(key);
        return String(resp.header.revision);
      }
      const resp = await call(key, (o) => client.kv.put({ key: Buffer.from(key), value: Buffer.from(value) }, o));
      return String(resp.header.revision);
    },

    async delete(relPath, version) {
      const key = fullKey(relPath);
      if (version !== undefined) {
        // The else branch reads the node, so a failure says whether it is gone or just newer.
        const resp = await call(key, (o) =>
          client.kv.txn(
            {
              compare: [{ key: Buffer.from(key), target: 'Mod', result: 'Equal', mod_revision: version }],
              success: [{ request_delete_range: { key: Buffer.from(key) } }],
              failure: [{ request_range: { key: Buffer.from(key) } }],
            },
            o,
          ),
        );
        if (!resp.succeeded) {
          const kvs = resp.responses[0]?.response_range?.kvs ?? [];
          throw kvs.length > 0 ? badVersionError(key) : noNodeError(key);
        }
        return;
      }
      const resp = await call(key, (o) => client.kv.deleteRange({ key: Buffer.from(key) }, o));
      if (String(resp.deleted) !== '1') throw noNodeError(key);
    },

    async listDir(relPath) {
      let prefix = fullKey(relPath);
      if (!prefix.endsWith('/')) prefix += '/';
      const start = Buffer.from(prefix);
      const resp = await call(prefix, (o) =>
        client.kv.range(
          { key: start, range_end: prefixEnd(start), keys_only: true, sort_order: 'Ascend', sort_target: 'Key' },
          o,
        ),
      );
      return childNames(prefix, resp.kvs);
    },

    async close() {
      if (conn.ownsClient) client.close();
      await Promise.resolve();
    },
  };
  connections.set(topo, conn);
  return topo;
}

// First path segment after the prefix, without duplicates, in key order.
function childNames(prefix: string, kvs: IKeyValue[]): string[] {
  const names: string[] = [];
  for (const kv of kvs) {
    const key = kv.key.toString();
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    const name = slash >= 0 ? rest.slice(0, slash) : rest;
    if (name !== '' && names[names.length - 1] !== name) names.push(name);
  }
  return names;
}

// The smallest key greater than every key with this prefix (etcd's WithPrefix).
function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i] += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

// gRPC messages look like "14 UNAVAILABLE: No connection established. Last error: Error: connect
// ECONNREFUSED 127.0.0.1:1. Resolution note: "; keep the part that says what happened.
function detail(err: Error): string {
  return err.message
    .replace(/^\w*Error: /, '')
    .replace(/No connection established\. Last error: (Error: )?/, '')
    .replace(/\.? ?Resolution note:.*$/s, '')
    .trim();
}
