// topodata.TabletType, with Vitess's parsing (case-insensitive, MASTER and BATCH accepted as the
// old names of PRIMARY and RDONLY) and printing (upper case for enums, lower case in the
// GetTablets table, as topoproto.TabletTypeLString does).

export enum TabletType {
  UNKNOWN = 0,
  PRIMARY = 1,
  REPLICA = 2,
  RDONLY = 3,
  SPARE = 4,
  EXPERIMENTAL = 5,
  BACKUP = 6,
  RESTORE = 7,
  DRAINED = 8,
}

const BY_NAME: Record<string, TabletType> = {
  UNKNOWN: TabletType.UNKNOWN,
  PRIMARY: TabletType.PRIMARY,
  MASTER: TabletType.PRIMARY,
  REPLICA: TabletType.REPLICA,
  RDONLY: TabletType.RDONLY,
  BATCH: TabletType.RDONLY,
  SPARE: TabletType.SPARE,
  EXPERIMENTAL: TabletType.EXPERIMENTAL,
  BACKUP: TabletType.BACKUP,
  RESTORE: TabletType.RESTORE,
  DRAINED: TabletType.DRAINED,
};

/** `replica` → REPLICA; throws `unknown TabletType <x>` (Vitess's text) for anything else. */
export function parseTabletType(name: string): TabletType {
  const t = BY_NAME[name.trim().toUpperCase()];
  if (t === undefined) throw new Error(`unknown TabletType ${name}`);
  return t;
}

/** A comma-separated list (`replica,primary`) → types; '' → []. */
export function parseTabletTypes(list: string): TabletType[] {
  if (list.trim() === '') return [];
  return list.split(',').map(parseTabletType);
}

/** Upper-case name (`PRIMARY`), or the number for a value this version does not know. */
export function tabletTypeName(t: TabletType | number): string {
  return TabletType[t] ?? String(t);
}

/** Lower-case name as vtctldclient's GetTablets table prints it; `unknown` for unknown values. */
export function tabletTypeLowerName(t: TabletType | number): string {
  const name = TabletType[t];
  return name === undefined ? 'unknown' : name.toLowerCase();
}

export const ALL_TABLET_TYPES: readonly TabletType[] = [
  TabletType.PRIMARY,
  TabletType.REPLICA,
  TabletType.RDONLY,
  TabletType.SPARE,
  TabletType.EXPERIMENTAL,
  TabletType.BACKUP,
  TabletType.RESTORE,
  TabletType.DRAINED,
];
