// The topology connections one CLI command uses: the target's global topology from the root
// flags, and, with --mount-name, a mounted source cluster's. Opened on first use, all closed
// when the command ends so that the process can exit.
import type { Command } from 'commander';
import { openExternalClusterTopo, openTopo, type TopoServer } from '../topo';
import { reportError } from './output';

export interface GlobalFlags {
  server: string;
  topoImplementation: string;
  topoGlobalServerAddress: string;
  topoGlobalRoot: string;
  compact: boolean;
}

export interface Session {
  readonly flags: GlobalFlags;
  /** The target cluster's global topology (--topo-global-server-address, --topo-global-root). */
  global(): Promise<TopoServer>;
  /** The mounted cluster's global topology for a mount name, or the target's when none is given. */
  cluster(mountName?: string): Promise<TopoServer>;
  close(): Promise<void>;
}

export function globalFlags(command: Command): GlobalFlags {
  const o = command.optsWithGlobals<Record<string, unknown>>();
  return {
    server: String(o.server ?? ''),
    topoImplementation: String(o.topoImplementation ?? 'etcd2'),
    topoGlobalServerAddress: String(o.topoGlobalServerAddress ?? ''),
    topoGlobalRoot: String(o.topoGlobalRoot ?? ''),
    compact: Boolean(o.compact),
  };
}

export function createSession(flags: GlobalFlags): Session {
  const opened: TopoServer[] = [];
  let global: TopoServer | undefined;
  const mounts = new Map<string, TopoServer>();

  const session: Session = {
    flags,
    async global() {
      if (!global) {
        global = openTopo({
          implementation: flags.topoImplementation,
          server: flags.topoGlobalServerAddress,
          root: flags.topoGlobalRoot,
        });
        opened.push(global);
      }
      return global;
    },
    async cluster(mountName) {
      if (!mountName) return session.global();
      let topo = mounts.get(mountName);
      if (!topo) {
        topo = await openExternalClusterTopo(await session.global(), mountName);
        mounts.set(mountName, topo);
        opened.push(topo);
      }
      return topo;
    },
    async close() {
      await Promise.all(opened.splice(0).map((t) => t.close()));
    },
  };
  return session;
}

/**
 * Wraps a command's action: gives it a session, closes the session afterwards, and turns any
 * error into one line on stderr and exit code 1.
 */
export function withSession<A extends unknown[]>(
  fn: (session: Session, command: Command, ...args: A) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const session = createSession(globalFlags(command));
    try {
      await fn(session, command, ...(args.slice(0, -2) as A));
    } catch (err) {
      reportError(err);
      process.exitCode = 1;
    } finally {
      await session.close();
    }
  };
}
