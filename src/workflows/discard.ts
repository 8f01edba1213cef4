// `Migrate cancel` of a Migrate run that has already ended without cleaning up (it failed, or was
// terminated or cancelled from the Temporal CLI or Web UI): one activity removes what it left on
// the target (activities/discard.ts). A workflow of its own, so that the worker (which holds the
// database credentials) does the work and the Web UI shows it.
import { admin } from './activities';
import type { DiscardRequest, DiscardResult } from './api';

export async function MigrateDiscard(req: DiscardRequest): Promise<DiscardResult> {
  return admin.discardMigration(req);
}
