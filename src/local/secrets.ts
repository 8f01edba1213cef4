// Passwords of the local stack's non-root users, generated once per state dir and kept in a
// 0600 file there. Root accepts no password on 127.0.0.1 (local use only); the worker uses the
// least-privileged users a production operator would create.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface LocalSecrets {
  /** Replication between a shard's primary and its replicas. */
  replPassword: string;
  /** The worker reading a source: SELECT, binlog streaming, replication status. */
  sourcePassword: string;
  /** The worker writing a target: all rights on vt_<keyspace> and _vt_migrate. */
  targetPassword: string;
}

export const LOCAL_USERS = { repl: 'vt_repl', source: 'vtm_source', target: 'vtm_target' } as const;

export function loadOrCreateSecrets(file: string): LocalSecrets {
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as LocalSecrets;
  const gen = () => crypto.randomBytes(18).toString('base64url');
  const secrets: LocalSecrets = { replPassword: gen(), sourcePassword: gen(), targetPassword: gen() };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return secrets;
}
