import type { Command } from 'commander';

/** One `hlmm` command: declares its flags on the program; its work lives in a module the action imports lazily. */
export type DefineCommand = (program: Command) => void;
