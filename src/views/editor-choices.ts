/**
 * Small decisions of the editor's commands, editor-free so they are tested in plain Node: which settings scope a
 * command writes, which open manifest an Apply from the forecast view writes into, and what to say when VS Code
 * refuses an edit.
 */

/** A settings scope, as VS Code's ConfigurationTarget names them. */
export type SettingScope = 'workspaceFolder' | 'workspace' | 'global';

/** A setting's values per scope (VS Code's `inspect`). */
export interface ScopedValues {
  workspaceFolderValue?: unknown;
  workspaceValue?: unknown;
  globalValue?: unknown;
}

/**
 * The one scope to write so that a setting's effective value changes: the most specific scope that sets it (a folder's,
 * then the workspace's, then the user's); the user's when none does. Only that one: writing the user's value too
 * would switch every other window that reads it.
 */
export function effectiveScope(values: ScopedValues | undefined): SettingScope {
  if (values?.workspaceFolderValue !== undefined) return 'workspaceFolder';
  if (values?.workspaceValue !== undefined) return 'workspace';
  return 'global';
}

/** An open manifest that holds the workload an Apply is for. */
export interface ManifestCandidate {
  /** As shown to the user (the workspace-relative path). */
  path: string;
  /** How many values the Apply would set in it. */
  changes: number;
}

/**
 * Which of the open manifests holding the workload an Apply from the forecast view writes into: the only one, or none
 * yet (`ask`: a pick naming each file — two visible manifests with the same workload are not chosen by editor order).
 */
export function manifestChoice<T extends ManifestCandidate>(candidates: readonly T[]): { only: T } | { ask: Array<{ label: string; description: string; candidate: T }> } | undefined {
  if (candidates.length === 0) return undefined;
  if (candidates.length === 1) return { only: candidates[0] };
  return { ask: candidates.map((c) => ({ label: c.path, description: `${c.changes} change${c.changes === 1 ? '' : 's'}`, candidate: c })) };
}

/**
 * Why VS Code refused a manifest edit, in words: a document on a read-only file system; else the document changed
 * after the edit was computed, or another edit to it (a second Apply racing the first) was in progress.
 */
export function refusedEditMessage(name: string, o: { readOnly: boolean; changedMeanwhile: boolean }): string {
  if (o.readOnly) return `VS Code refused the edit to ${name}: it is read-only.`;
  const why = o.changedMeanwhile ? `${name} changed while the edit was being made` : `${name} changed, or another edit to it was in progress (another Apply?)`;
  return `VS Code refused the edit to ${name}: ${why}. Nothing was written; try again.`;
}
