// Runs the built CLIs the way users do (node bin/...), capturing output and exit code.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './stack';

export interface CliResult { code: number; stdout: string; stderr: string }

export function runCli(bin: 'vtmigrate' | 'vtmigrate-local', args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [path.join(REPO_ROOT, 'bin', `${bin}.js`), ...args], {
      env: { ...process.env, ...opts.env },
      timeout: opts.timeoutMs ?? 120_000,
      maxBuffer: 64 << 20,
    }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}
