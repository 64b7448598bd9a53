import type { Command } from 'commander';
import { register as demo } from './demo';
import { register as forecast } from './forecast';

/** Every `mora` command. Add yours here. */
export const COMMANDS: ReadonlyArray<(program: Command) => void> = [demo, forecast];
