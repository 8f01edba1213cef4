// Topology errors with Vitess's codes and message texts (go/vt/topo/errors.go), so that what an
// operator reads from vtmigrate matches what Vitess would have printed for the same key.

export type TopoErrorCode = 'NoNode' | 'NodeExists' | 'BadVersion' | 'Unavailable' | 'Timeout';

export class TopoError extends Error {
  readonly code: TopoErrorCode;

  constructor(code: TopoErrorCode, message: string) {
    super(message);
    this.name = 'TopoError';
    this.code = code;
  }
}

/** `node doesn't exist: <full key>` */
export function noNodeError(key: string): TopoError {
  return new TopoError('NoNode', `node doesn't exist: ${key}`);
}

/** `node already exists: <full key>` */
export function nodeExistsError(key: string): TopoError {
  return new TopoError('NodeExists', `node already exists: ${key}`);
}

/** `bad node version: <full key>` */
export function badVersionError(key: string): TopoError {
  return new TopoError('BadVersion', `bad node version: ${key}`);
}

export function isTopoError(err: unknown): err is TopoError {
  return err instanceof TopoError;
}

export function isNoNode(err: unknown): boolean {
  return isTopoError(err) && err.code === 'NoNode';
}

export function isNodeExists(err: unknown): boolean {
  return isTopoError(err) && err.code === 'NodeExists';
}

export function isBadVersion(err: unknown): boolean {
  return isTopoError(err) && err.code === 'BadVersion';
}

/** True for errors that say the topology server could not be reached in time (worth retrying). */
export function isTopoUnreachable(err: unknown): boolean {
  return isTopoError(err) && (err.code === 'Unavailable' || err.code === 'Timeout');
}
