// planMigration: resolve the mount and both topologies, check every precondition of DESIGN.md
// §4.2 (all problems reported together, each naming its table, keyspace or setting), and plan
// the streams: pairs (source shard, target shard) whose key ranges intersect.
import { closeWithin, connectMysql, type Connection } from '../mysql/connect';
import { binlogSettings, listBaseTables, listSystemVersionedTables, readTableSchemas, tableTypes, type TableSchema } from '../mysql/schema';
import { ValueKind, valueKind } from '../mysql/values';
import {
  getKeyspace,
  getShard,
  getVSchema,
  isNoNode,
  isTopoUnreachable,
  listCells,
  openTopo,
  resolveCells,
  UnknownCell,
  type TopoServer,
  type VSchema,
} from '../topo';
import { bestColumnVindex, createVindex, keyRangesIntersect, parseShardName } from '../vindex';
import { copyRanks } from './copy-order';
import type { FullMigrateRequest, MigrationPlan, ShardPlan, TablePlan, VindexRef } from '../workflows/api';
import { openTargetTopo, tabletEndpoint, withTopo, type ActivityDeps } from './deps';
import { errorText, invalidInput } from './errors';
import { resolveMount } from './mount';
import { schemaDrift } from './schema-drift';
import { keyspaceShards } from './keyspace-shards';
import { claimedByOthersMessage, tablesClaimedByOthers } from './state';
import { findPrimary, targetTopoRef } from './target-primary';

export type PlanRequest = FullMigrateRequest & { workflowId: string };

/** Table-selection rules of `Migrate create` (vitess-facts.md §1.3), also for Temporal CLI users. */
export function checkTableFlags(req: Pick<FullMigrateRequest, 'allTables' | 'tables' | 'excludeTables'>): void {
  if (!req.allTables && req.tables.length === 0) throw invalidInput('tables or all-tables are required to specify which tables to move');
  if (req.allTables && req.tables.length > 0) throw invalidInput('--tables and --all-tables are mutually exclusive');
  if (!req.allTables && req.excludeTables.length > 0) throw invalidInput('--exclude-tables can only be used together with --all-tables');
}

function vindexFor(vschema: VSchema | undefined, table: string): VindexRef | undefined {
  if (!vschema?.sharded) return undefined;
  const entry = vschema.tables[table];
  if (!entry) return undefined;
  const best = bestColumnVindex(table, entry.columnVindexes.map((cv) => ({ name: cv.name, column: cv.column || undefined, columns: cv.columns })), vschema.vindexes);
  return { name: best.name, type: best.type, params: { ...best.params }, columns: [...best.columns] };
}

async function sourceTopoFor(target: TopoServer, req: PlanRequest): Promise<{ topo: TopoServer; ref: { server: string; root: string } }> {
  const ref = await resolveMount(target, req.mountName);
  return { topo: openTopo(ref), ref };
}

export async function planMigration(deps: ActivityDeps, req: PlanRequest): Promise<MigrationPlan> {
  checkTableFlags(req);
  const zone = req.sourceTimeZone;
  return withTopo(openTargetTopo(deps), async (target) => {
    const problems: string[] = [];
    // ---- target keyspace and VSchema ----
    try {
      await getKeyspace(target, req.targetKeyspace);
    } catch (err) {
      if (isNoNode(err)) throw invalidInput(`target keyspace ${req.targetKeyspace} not found: ${errorText(err)}`);
      throw err;
    }
    let targetVSchema: VSchema;
    try {
      targetVSchema = await getVSchema(target, req.targetKeyspace);
    } catch (err) {
      if (isNoNode(err)) throw invalidInput(`no vschema found for target keyspace ${req.targetKeyspace}`);
      throw err;
    }
    const targetShards = await keyspaceShards(target, req.targetKeyspace, 'target');

    // ---- the mounted source ----
    const source = await sourceTopoFor(target, req);
    return withTopo(source.topo, async (src) => {
      let sourceShards: string[];
      try {
        await getKeyspace(src, req.sourceKeyspace);
        sourceShards = await keyspaceShards(src, req.sourceKeyspace, 'source');
      } catch (err) {
        if (isNoNode(err)) throw invalidInput(`source keyspace ${req.sourceKeyspace} not found in the cluster mounted as ${req.mountName} (${source.ref.server} ${source.ref.root}): ${errorText(err)}`);
        if (isTopoUnreachable(err)) throw invalidInput(`the topology of mount ${req.mountName} does not answer: ${errorText(err)}`);
        throw err;
      }
      const sourceVSchema = await getVSchema(src, req.sourceKeyspace).catch((err: unknown) => {
        if (isNoNode(err)) return undefined;
        throw err;
      });
      const sourceCells = req.cells.length > 0 ? req.cells : await listCells(src);
      // A cell that does not exist would only fail later, picking a tablet (after retries).
      await resolveCells(src, req.cells).catch((err: unknown) => {
        if (err instanceof UnknownCell) throw invalidInput(`--cells: ${err.message}`);
        throw err;
      });

      // ---- source tables, read from the first shard's primary ----
      const primaries = new Map<string, { alias: string; host: string; port: number }>();
      for (const shard of sourceShards) {
        try {
          primaries.set(shard, await findPrimary(src, req.sourceKeyspace, shard));
        } catch (err) {
          problems.push(`source shard ${req.sourceKeyspace}/${shard}: ${errorText(err)}`);
        }
      }
      if (problems.length > 0) throw invalidInput(problems.join('; '));
      const sourceDb = `vt_${req.sourceKeyspace}`;
      const firstPrimary = primaries.get(sourceShards[0])!;
      const schemas = await withSource(deps, source.ref, firstPrimary, sourceDb, async (conn) => {
        const all = await listBaseTables(conn, sourceDb);
        // Only a table's current rows would be copied: refused, rather than skipped or stripped
        // of its history without a word.
        const versioned = (await listSystemVersionedTables(conn, sourceDb))
          .filter((t) => (req.allTables ? !req.excludeTables.includes(t) : req.tables.includes(t)));
        if (versioned.length > 0) {
          throw invalidInput(`table(s) ${versioned.join(',')} in source keyspace ${req.sourceKeyspace} are system-versioned (WITH SYSTEM VERSIONING): ` +
            'vtmigrate copies current rows only, and their history would be lost; leave them out (--exclude-tables with --all-tables) or remove the versioning first');
        }
        let wanted: string[];
        if (req.allTables) {
          wanted = all.filter((t) => !req.excludeTables.includes(t));
        } else {
          const missing = req.tables.filter((t) => !all.includes(t));
          if (missing.length > 0) {
            const types = await tableTypes(conn, sourceDb, missing);
            throw invalidInput(`table(s) not found in source keyspace ${req.sourceKeyspace}: ${missing.map((t) => `${t}${whyNotATable(t, types.get(t), all)}`).join(',')}`);
          }
          wanted = [...new Set(req.tables)];
        }
        if (wanted.length === 0) throw invalidInput('no tables to move');
        return readTableSchemas(conn, sourceDb, wanted);
      });
      const tableNames = [...schemas.keys()].sort();

      // ---- binlog settings and row estimates on every source primary ----
      const estimates = new Map<string, { rows: number; bytes: number }>();
      for (const shard of sourceShards) {
        const primary = primaries.get(shard)!;
        await withSource(deps, source.ref, primary, sourceDb, async (conn) => {
          const b = await binlogSettings(conn);
          const where = `source tablet ${primary.alias} (${req.sourceKeyspace}/${shard})`;
          if (!b.logBin) problems.push(`${where}: the binary log is off (log_bin); vtmigrate needs it for catch-up`);
          if (b.binlogFormat !== 'ROW') problems.push(`${where}: binlog_format is ${b.binlogFormat}; vtmigrate needs ROW`);
          if (b.binlogRowImage !== 'FULL') problems.push(`${where}: binlog_row_image is ${b.binlogRowImage}; vtmigrate needs FULL`);
          if (b.gtidMode !== null && b.gtidMode !== 'ON') problems.push(`${where}: gtid_mode is ${b.gtidMode}; vtmigrate needs ON`);
          if (b.binlogTransactionCompression) problems.push(`${where}: binlog_transaction_compression is ON; the binlog reader cannot decode compressed transactions`);
          // The first shard's definitions are read already. Of the others, only the tables the shard
          // has (one missing would fail the whole read): the rest are named below.
          const first = shard === sourceShards[0];
          const present = first ? undefined : new Set(await listBaseTables(conn, sourceDb));
          const shardSchemas = present ? await readTableSchemas(conn, sourceDb, tableNames.filter((t) => present.has(t))) : schemas;
          for (const t of tableNames) {
            const s = shardSchemas.get(t);
            if (!s) {
              problems.push(`table ${t} not found on source shard ${req.sourceKeyspace}/${shard}`);
              continue;
            }
            const drift = first ? undefined : schemaDrift(schemas.get(t)!, s);
            if (drift) {
              problems.push(`table ${t} differs between source shards ${req.sourceKeyspace}/${sourceShards[0]} and ${req.sourceKeyspace}/${shard} ` +
                `(on ${shard}: ${drift}); apply the same definition on every source shard first`);
            }
            const e = estimates.get(t) ?? { rows: 0, bytes: 0 };
            estimates.set(t, { rows: e.rows + s.estimatedRows, bytes: e.bytes + s.estimatedBytes });
          }
        });
      }

      // ---- per table: primary key and vindexes ----
      const tables: TablePlan[] = [];
      const ranks = copyRanks(schemas, sourceDb);
      for (const name of tableNames) {
        const schema = schemas.get(name)!;
        if (schema.primaryKey.length === 0) {
          problems.push(`table ${name} in keyspace ${req.sourceKeyspace} has no primary key and no unique key on NOT NULL columns; vtmigrate copies and replays rows by such a key`);
          continue;
        }
        const uncopyable = schema.columns.filter((c) => valueKind(c) === ValueKind.Unsupported);
        if (uncopyable.length > 0) {
          problems.push(`table ${name} in keyspace ${req.sourceKeyspace}: column(s) ${uncopyable.map((c) => `${c.name} (${c.columnType})`).join(', ')} ` +
            'have a type vtmigrate cannot copy exactly; leave the table out (--tables, or --exclude-tables with --all-tables) or change the column type');
          continue;
        }
        // DATETIMEs read back into the source zone lose their order at a DST change: VDiff could
        // not line rows up by such a key.
        const zonedKey = zone ? keyColumnsOfType(schema, ['datetime']) : [];
        if (zonedKey.length > 0) {
          problems.push(`table ${name}: --source-time-zone cannot be used with DATETIME primary key column(s) ${zonedKey.join(', ')}`);
          continue;
        }
        let vindex: VindexRef | undefined;
        // A reference table is whole on every target shard: each shard's stream keeps every row
        // (no vindex). From a sharded source every shard would hold its own copy, and the streams
        // of all of them would write the one table: refused.
        const reference = targetVSchema.sharded && targetVSchema.tables[name]?.type === 'reference';
        if (reference && sourceShards.length > 1) {
          problems.push(`table ${name} is a reference table in keyspace ${req.targetKeyspace}; vtmigrate copies reference tables ` +
            `from an unsharded source keyspace only, and ${req.sourceKeyspace} has ${sourceShards.length} shards`);
          continue;
        }
        if (targetVSchema.sharded && !reference) {
          if (!targetVSchema.tables[name]) {
            problems.push(`table ${name} not found in vschema for keyspace ${req.targetKeyspace}`);
            continue;
          }
          try {
            vindex = vindexFor(targetVSchema, name);
            await createVindex(vindex!.type, vindex!.params);
            checkColumns(schema, vindex!.columns, `the vindex ${vindex!.name} of table ${name} in keyspace ${req.targetKeyspace}`);
          } catch (err) {
            problems.push(`table ${name} in keyspace ${req.targetKeyspace}: ${errorText(err)}`);
            continue;
          }
        }
        let sourceVindex: VindexRef | undefined;
        if (sourceShards.length > 1) {
          try {
            // Which source shard owns a row; Vitess assumes the source shares the target's vindexes.
            sourceVindex = vindexFor(sourceVSchema, name) ?? vindex;
            if (sourceVindex) {
              await createVindex(sourceVindex.type, sourceVindex.params);
              checkColumns(schema, sourceVindex.columns, `the vindex ${sourceVindex.name} of table ${name} in keyspace ${req.sourceKeyspace}`);
            } else {
              // An unsharded target takes every source shard's rows into its one shard. Which
              // source shard a row belongs to decides which stream's version of it stands (a row
              // moving between source shards is deleted on one and inserted on the other, and the
              // streams are not in step): without a vindex the last write won, and a move lost
              // the row.
              problems.push(`table ${name} has no vindex in the VSchema of source keyspace ${req.sourceKeyspace}: its ${sourceShards.length} shards all feed ` +
                `target keyspace ${req.targetKeyspace}'s one shard, and without the source's vindex vtmigrate cannot tell which source shard a row belongs to ` +
                '(a row moving between source shards, or a key on two of them, would be lost); add the table with its primary vindex to the source ' +
                "keyspace's VSchema (ApplyVSchema on the source cluster), then create the migration again");
              continue;
            }
          } catch (err) {
            problems.push(`table ${name} in source keyspace ${req.sourceKeyspace}: ${errorText(err)}`);
            continue;
          }
        }
        const e = estimates.get(name) ?? { rows: 0, bytes: 0 };
        const copyRank = ranks.get(name) ?? 0;
        tables.push({
          name, pkColumns: schema.primaryKey, vindex, sourceVindex, rowsEstimate: e.rows, bytesEstimate: e.bytes,
          ...(zone ? { sourceTimeZone: zone } : {}), ...(copyRank > 0 ? { copyRank } : {}),
        });
      }

      // ---- target shards: primaries and empty tables ----
      const shardPlans: ShardPlan[] = [];
      const nonEmpty = new Set<string>();
      const leftover: string[] = [];
      const claimed = new Map<string, string>();
      const sameVindexes = tables.every((t) => t.vindex && t.sourceVindex && sameVindex(t.vindex, t.sourceVindex));
      for (const shard of targetShards) {
        let primary;
        try {
          primary = await findPrimary(target, req.targetKeyspace, shard);
        } catch (err) {
          problems.push(`target shard ${req.targetKeyspace}/${shard}: ${errorText(err)}`);
          continue;
        }
        await withTargetConn(deps, primary, async (conn) => {
          if (zone) {
            // DATETIMEs are converted on the target with CONVERT_TZ, as Vitess does: it must know the zone.
            const [known] = await conn.query("SELECT CONVERT_TZ('2000-01-01 00:00:00', ?, '+00:00') IS NOT NULL AS ok", [zone]);
            if (Number((known as { ok: number }[])[0].ok) !== 1) {
              problems.push(`--source-time-zone ${zone}: target shard ${req.targetKeyspace}/${shard} (tablet ${primary.alias}) does not know this time zone; ` +
                'use an offset such as +05:30, or load its time zone tables (mariadb-tzinfo-to-sql /usr/share/zoneinfo | mariadb mysql)');
            }
          }
          const existing: string[] = [];
          for (const t of tableNames) {
            const [rows] = await conn.query('SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [`vt_${req.targetKeyspace}`, t]);
            if (Number((rows as { n: number }[])[0].n) === 0) continue;
            existing.push(t);
            const [any] = await conn.query(`SELECT 1 FROM \`vt_${req.targetKeyspace}\`.${'`' + t.replace(/`/g, '``') + '`'} LIMIT 1`);
            if ((any as unknown[]).length > 0) nonEmpty.add(t);
          }
          // A table created ahead of time is used as it is: its columns must be the source's, or
          // the copy drops values of columns it lacks and the (non-strict) writes truncate or
          // convert values that do not fit.
          if (existing.length > 0) {
            const targetSchemas = await readTableSchemas(conn, `vt_${req.targetKeyspace}`, existing);
            for (const t of existing) {
              const diffs = columnDifferences(schemas.get(t)!, targetSchemas.get(t));
              if (diffs.length > 0) {
                problems.push(`table ${t} already exists on target shard ${req.targetKeyspace}/${shard} with columns that differ from the source's ` +
                  `(${diffs.join('; ')}); drop it so that vtmigrate creates it, or make its columns match`);
              }
            }
          }
          // State of an earlier run with this id (terminated, not cancelled or completed): a new
          // run would adopt its start positions and copy checkpoints for tables it never copied.
          const [state] = await conn.query("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = '_vt_migrate' AND table_name = 'streams'");
          if (Number((state as { n: number }[])[0].n) > 0) {
            const [mine] = await conn.query('SELECT COUNT(*) AS n FROM _vt_migrate.streams WHERE workflow_id = ?', [req.workflowId]);
            if (Number((mine as { n: number }[])[0].n) > 0) leftover.push(shard);
            // Two workflows writing one table: the cancel of either would drop it under the other.
            for (const c of await tablesClaimedByOthers(conn, req.workflowId, tableNames)) claimed.set(c.table, c.workflowId);
          }
        });
        const targetRange = parseShardName(shard);
        // With the same vindex on both sides only overlapping shards meet; otherwise any source
        // row may belong to any target shard (vitess-facts.md §4).
        const streams = sourceShards
          .filter((s) => !targetVSchema.sharded || !sameVindexes || keyRangesIntersect(parseShardName(s), targetRange))
          .map((s, i) => ({ id: i + 1, sourceShard: s, filterRows: targetVSchema.sharded && targetShards.length > 1 }));
        shardPlans.push({ shard, primaryAlias: primary.alias, streams });
      }
      if (leftover.length > 0) {
        problems.push(`workflow ${req.workflow} already exists in keyspace ${req.targetKeyspace}: an earlier run of ${req.workflowId} left its state in ` +
          `_vt_migrate on target shard(s) ${leftover.join(', ')} (it failed, or was terminated or cancelled from Temporal, rather than cancelled or completed); ` +
          `Migrate --workflow ${req.workflow} --target-keyspace ${req.targetKeyspace} cancel [--keep-data] removes it, then create it again`);
      }
      if (claimed.size > 0) problems.push(claimedByOthersMessage(req.targetKeyspace, [...claimed].map(([table, workflowId]) => ({ table, workflowId }))));
      if (nonEmpty.size > 0) problems.push(`non-empty tables found in target keyspace(${req.targetKeyspace}): ${[...nonEmpty].sort().join(', ')}`);
      if (problems.length > 0) throw invalidInput(problems.join('\n'));

      return {
        workflowId: req.workflowId,
        workflow: req.workflow,
        targetKeyspace: req.targetKeyspace,
        sourceKeyspace: req.sourceKeyspace,
        mountName: req.mountName,
        sourceTopo: source.ref,
        targetTopo: targetTopoRef(deps),
        sourceShards,
        targetShards,
        targetSharded: targetVSchema.sharded,
        sourceCells,
        tables,
        shards: shardPlans,
        request: req,
      };
    });
  });
}

/** How a target table's columns differ from the source's (empty when they match). */
function columnDifferences(source: TableSchema, target: TableSchema | undefined): string[] {
  if (!target) return ['it cannot be read'];
  const describe = (c: TableSchema['columns'][number]) =>
    `${c.columnType}${c.charset ? ` ${c.charset}/${c.collation}` : ''}${c.nullable ? ' NULL' : ' NOT NULL'}${c.generated ? ' generated' : ''}`;
  const out: string[] = [];
  const byName = new Map(target.columns.map((c) => [c.name.toLowerCase(), c]));
  for (const c of source.columns) {
    const t = byName.get(c.name.toLowerCase());
    if (!t) out.push(`column ${c.name} is missing on the target`);
    else if (describe(t) !== describe(c)) out.push(`column ${c.name} is ${describe(t)} on the target, ${describe(c)} on the source`);
    byName.delete(c.name.toLowerCase());
  }
  for (const c of byName.values()) out.push(`column ${c.name} is not in the source`);
  return out;
}

function sameVindex(a: VindexRef, b: VindexRef): boolean {
  return a.type === b.type && a.columns.join(',') === b.columns.join(',') && JSON.stringify(a.params) === JSON.stringify(b.params);
}

/** The primary key columns whose data type is one of `types`. */
function keyColumnsOfType(schema: TableSchema, types: string[]): string[] {
  return schema.primaryKey.filter((k) => types.includes(schema.columns.find((c) => c.name === k)?.dataType ?? ''));
}

function checkColumns(schema: TableSchema, columns: string[], what: string): void {
  const missing = columns.filter((c) => !schema.columns.some((col) => col.name.toLowerCase() === c.toLowerCase()));
  if (missing.length > 0) throw new Error(`${what} names column(s) ${missing.join(', ')} that table ${schema.name} does not have`);
  if (columns.length !== 1) throw new Error(`${what} reads ${columns.length} columns; vtmigrate routes by single-column vindexes only`);
}

async function withSource<T>(deps: ActivityDeps, cluster: { server: string; root: string }, tablet: { alias: string; host: string; port: number }, db: string, fn: (c: Connection) => Promise<T>): Promise<T> {
  let conn: Connection;
  try {
    conn = await connectMysql(tabletEndpoint(deps, cluster, 'source', tablet.host, tablet.port), { connectTimeoutMs: 5000 });
  } catch (err) {
    throw new Error(`cannot connect to source tablet ${tablet.alias} (${tablet.host}:${tablet.port}, database ${db}): ${errorText(err)}`);
  }
  try {
    return await fn(conn);
  } finally {
    await closeWithin(conn);
  }
}

async function withTargetConn<T>(deps: ActivityDeps, tablet: { alias: string; host: string; port: number }, fn: (c: Connection) => Promise<T>): Promise<T> {
  const conn = await connectMysql(tabletEndpoint(deps, targetTopoRef(deps), 'target', tablet.host, tablet.port), { connectTimeoutMs: 5000 }).catch((err: unknown) => {
    throw new Error(`cannot connect to target tablet ${tablet.alias} (${tablet.host}:${tablet.port}): ${errorText(err)}`);
  });
  try {
    return await fn(conn);
  } finally {
    await closeWithin(conn);
  }
}

export { getShard };

/** What a name given in --tables is, when it is not a base table: a view, a sequence, or another case of a table's name. */
function whyNotATable(name: string, type: string | undefined, tables: string[]): string {
  if (type === 'VIEW') return ' (a view: Migrate copies base tables only; create the view on the target)';
  if (type === 'SEQUENCE') return ' (a sequence: Migrate copies base tables only; create the sequence on the target, starting past the source\'s next value)';
  const other = tables.find((t) => t.toLowerCase() === name.toLowerCase());
  return other ? ` (table names are case-sensitive: did you mean ${other}?)` : '';
}
