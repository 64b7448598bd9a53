/**
 * Where to write a setting so that it takes effect: the most specific level that has a value (a workspace folder's
 * value overrides the workspace's, which overrides the user's). Writing the user setting under a workspace value
 * changes nothing the user sees.
 */
export type SettingLevel = 'workspaceFolder' | 'workspace' | 'global';

export interface SettingValues<T> {
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

export function effectiveLevel<T>(where: SettingValues<T> | undefined): SettingLevel {
  if (where?.workspaceFolderValue !== undefined) return 'workspaceFolder';
  if (where?.workspaceValue !== undefined) return 'workspace';
  return 'global';
}

/** Said when the value read back after writing is not the one written: which level still decides it. */
export function overriddenMessage(key: string, wanted: string, got: string | undefined): string | undefined {
  if (got === wanted) return undefined;
  return `MOrA: ${key} is still "${got ?? ''}" after setting it to "${wanted}": another settings level overrides it (check Workspace and Folder settings, or a settings.json of this workspace).`;
}
