import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Command, CommanderError } from 'commander';
import { commands } from '../../src/cli/commands/index.ts';
import { isUserError } from '../../src/core/errors.ts';

/**
 * Docker cannot run on the build machines, so the Docker files are checked here: docker-compose.yml is written
 * in JSON-compatible YAML (JSON is YAML 1.2) precisely so that this test parses exactly what Docker reads with
 * JSON.parse, with no YAML library; each service's command is parsed by the real `hlmm` command definitions; the
 * container's config (in the Dockerfile) is validated by the real config loader.
 */

const compose = JSON.parse(readFileSync('docker-compose.yml', 'utf8')) as {
  services: Record<
    string,
    {
      command: string[];
      volumes: string[];
      ports?: string[];
      environment?: Record<string, string>;
      image: string;
      build: string;
      container_name?: string;
      healthcheck?: { test: string[] };
    }
  >;
  volumes: Record<string, unknown>;
};
const dockerfile = readFileSync('Dockerfile', 'utf8');

/** Parses `hlmm <args>` with the real command definitions; actions replaced so nothing runs. */
async function parseHlmm(args: string[]): Promise<{ command: string; opts: Record<string, unknown> }> {
  const program = new Command('hlmm')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const define of commands) define(program);
  let seen: { command: string; opts: Record<string, unknown> } | null = null;
  for (const sub of program.commands) {
    sub.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    sub.action(function (this: Command) {
      seen = { command: this.name(), opts: this.opts() };
    });
  }
  await program.parseAsync(args, { from: 'user' });
  if (!seen) throw new Error(`no command ran for ${args.join(' ')}`);
  return seen;
}

describe('docker files', () => {
  it('the command parser used below rejects what hlmm rejects', async () => {
    await assert.rejects(parseHlmm(['collect', '--symbols', 'BTC']), CommanderError); // --out is required
    await assert.rejects(parseHlmm(['trade', '--no-such-flag']), CommanderError);
    await assert.rejects(parseHlmm(['no-such-command']), CommanderError);
  });

  it('compose has the collector and the paper bot sharing one data volume', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['bot', 'collector']);
    const { bot, collector } = compose.services;
    assert.deepEqual(collector.volumes, ['hlmm-data:/data']);
    assert.deepEqual(bot.volumes, ['hlmm-data:/data']);
    assert.ok('hlmm-data' in compose.volumes);
    assert.equal(bot.image, collector.image);
  });

  it('every service command is a valid hlmm invocation', async () => {
    const collector = await parseHlmm(compose.services.collector.command);
    assert.equal(collector.command, 'collect');
    assert.equal(collector.opts.out, '/data/market');
    assert.deepEqual(collector.opts.symbols, ['BTC']);
    const bot = await parseHlmm(compose.services.bot.command);
    assert.equal(bot.command, 'trade');
    assert.equal(bot.opts.config, '/app/config/docker.json');
    assert.equal(bot.opts.dryRun, true);
    assert.equal(bot.opts.live, undefined);
  });

  it('publishes the API on 127.0.0.1:3004 only (8080 in the container), with secrets from the environment', () => {
    const { bot, collector } = compose.services;
    // Host 3004 as the original system's docs; the container's 8080 is Freqtrade's port, where show_PnL-style
    // discovery looks on containers named MM_*.
    assert.deepEqual(bot.ports, ['127.0.0.1:3004:8080']);
    assert.match(bot.healthcheck?.test.join(' ') ?? '', /http:\/\/127\.0\.0\.1:8080\/api\/v1\/ping/);
    assert.equal(collector.ports, undefined);
    for (const [name, value] of Object.entries(bot.environment ?? {})) {
      // `${VAR:?message}`: compose refuses to start when the variable is unset or empty.
      assert.match(
        value,
        new RegExp(`^\\$\\{${name}:\\?[^}]+\\}$`),
        `${name} must come from the environment`,
      );
    }
    assert.deepEqual(Object.keys(bot.environment ?? {}).sort(), [
      'HLMM_API_JWT_SECRET_KEY',
      'HLMM_API_PASSWORD',
    ]);
  });

  it('the Dockerfile runs bin/hlmm as a non-root user with the built dist/ and the data volume', () => {
    assert.match(dockerfile, /^ENTRYPOINT \["node", "bin\/hlmm"\]$/m);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^COPY --from=build \/app\/dist \.\/dist$/m);
    assert.match(dockerfile, /^VOLUME \["\/data"\]$/m);
    assert.match(dockerfile, /^RUN node scripts\/build\.mjs/m);
    assert.doesNotMatch(dockerfile, /HLMM_API_PASSWORD=|HLMM_PRIVATE_KEY=/, 'no secret baked into the image');
  });

  it('the container config is valid, and refused without strong API secrets (it listens on 0.0.0.0)', async () => {
    const m = /^COPY <<CONFIG \/app\/config\/docker\.json\n([\s\S]*?)\nCONFIG$/m.exec(dockerfile);
    assert.ok(m, 'the Dockerfile writes /app/config/docker.json with a CONFIG heredoc');
    const raw = JSON.parse(m[1]);
    const { parseConfig } = await import('../../src/config/load-config.ts');
    const env = {
      HLMM_API_PASSWORD: 'a long and strong password',
      HLMM_API_JWT_SECRET_KEY: '3f9c2a7e5b1d8046c2e9a7f13b5d8e024c6a9f1e7b3d5c8a'.padEnd(64, '0'),
    };
    const cfg = parseConfig(raw, 'docker.json', { env }) as unknown as {
      db_file: string;
      api_server: { listen_ip_address: string; listen_port: number };
    };
    assert.equal(cfg.db_file, '/data/hlmm.sqlite');
    assert.equal(cfg.api_server.listen_ip_address, '0.0.0.0');
    assert.equal(cfg.api_server.listen_port, 8080);
    // The bot only reads what the collector service records: one writer per data directory.
    const collectorCfg = (
      cfg as unknown as { collector: { collect_dir: string | null; read_dir: string | null } }
    ).collector;
    assert.equal(collectorCfg.collect_dir, null);
    assert.equal(collectorCfg.read_dir, '/data/market');
    assert.throws(() => parseConfig(raw, 'docker.json', { env: {} }), isUserError);
    // A secret of one repeated character is no secret, however long.
    assert.throws(
      () => parseConfig(raw, 'docker.json', { env: { ...env, HLMM_API_JWT_SECRET_KEY: 'f'.repeat(64) } }),
      isUserError,
    );
  });

  it('one writer per data directory: only the collector service records /data/market', async () => {
    const writers = [];
    for (const [name, svc] of Object.entries(compose.services)) {
      const parsed = await parseHlmm(svc.command);
      if (parsed.command === 'collect') writers.push(`${name}:${parsed.opts.out}`);
    }
    assert.deepEqual(writers, ['collector:/data/market']);
    assert.match(dockerfile, /"collector": \{ "collect_dir": null, "read_dir": "\/data\/market"/);
  });

  it('container names: bots contain MM_ (show_PnL-style discovery), the collector does not', () => {
    const { bot, collector } = compose.services;
    assert.match(bot.container_name ?? '', /MM_/);
    assert.doesNotMatch(collector.container_name ?? '', /MM_/);
    assert.match(dockerfile, /^EXPOSE 8080$/m);
  });

  it('.dockerignore keeps data, databases and env files out of the build context', () => {
    const ignore = readFileSync('.dockerignore', 'utf8').split('\n');
    for (const entry of ['node_modules', 'user_data', '*.sqlite', '.env', 'data']) {
      assert.ok(ignore.includes(entry), `.dockerignore lacks ${entry}`);
    }
  });
});
