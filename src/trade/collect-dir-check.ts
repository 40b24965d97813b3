import { resolve } from 'node:path';
import { UserError } from '../core/errors.ts';

/**
 * Refuses a bot's `--collect` (or `collector.collect_dir`) folder that is its `--replay` folder: the collector would
 * append the replayed market to the very files the fake exchange is replaying. One rule for one coin and several.
 * `collectKey` names where the folder came from, for the sentence.
 */
export function refuseCollectIntoReplay(
  collectDir: string | null | undefined,
  collectKey: string,
  replayDir: string | undefined,
): void {
  if (!collectDir || replayDir === undefined) return;
  if (resolve(collectDir) !== resolve(replayDir)) return;
  throw new UserError(
    `${collectKey} ${collectDir} is the --replay folder: the bot would record the replayed market into the files being replayed; record into another folder.`,
  );
}
