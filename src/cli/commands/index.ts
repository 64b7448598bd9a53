import type { Command } from 'commander';
import { register as backtest } from './backtest';
import { register as demo } from './demo';
import { register as experiment } from './experiment';
import { register as forecast } from './forecast';
import { register as health } from './health';
import { register as manifests } from './manifests';
import { register as recommend } from './recommend';

/** Every `mora` command. Add yours here. */
export const COMMANDS: ReadonlyArray<(program: Command) => void> = [demo, forecast, manifests, backtest, recommend, experiment, health];
