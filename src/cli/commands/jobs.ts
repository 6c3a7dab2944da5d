import type { Job } from '../../daemon/jobs.js';
import { CliError, EXIT, usageError } from '../../util/exit.js';
import type { CommandEnv } from '../main.js';
import { printResult, progressBar } from './batch.js';

// `aapi jobs`: the batch jobs of the session server, running or lately ended; `wait` follows one to
// its end (its exit code is the job's), `stop` stops one as Ctrl-C would.

const done = (j: Job) => j.summary.ok + j.summary.failed + j.summary.unknown + j.summary.notSent + j.summary.skipped;

function view(j: Job) {
  return {
    id: j.id, state: j.state, verb: j.spec.verb, profiles: j.spec.profiles, output: j.spec.output, started: j.started,
    rows: done(j), ok: j.summary.ok, failed: j.summary.failed, unknown: j.summary.unknown, notSent: j.summary.notSent,
    ...(j.error ? { error: j.error.message } : {}),
  };
}

function find(env: CommandEnv, id: string): Job {
  const job = env.server?.jobs.get(id);
  if (!job) throw new CliError(`no job ${id}${env.server ? '' : ' (no session server runs)'}: \`aapi jobs\` lists them`, EXIT.usage);
  return job;
}

export function listJobs(env: CommandEnv): number {
  const jobs = env.server?.jobs.list() ?? [];
  if (env.out.machine) {
    for (const j of jobs) env.out.json(view(j));
    return EXIT.ok;
  }
  if (jobs.length === 0) {
    env.out.info('no batch jobs');
    return EXIT.ok;
  }
  env.out.line(['ID', 'STATE', 'VERB', 'PROFILES', 'ROWS', 'OK', 'FAILED', 'UNKNOWN', 'OUTPUT'].join('\t'));
  for (const j of jobs) {
    const v = view(j);
    env.out.line([v.id, v.state, v.verb, v.profiles.join(','), v.rows, v.ok, v.failed, v.unknown, v.output].join('\t'));
  }
  return EXIT.ok;
}

export async function waitJob(env: CommandEnv, id: string): Promise<number> {
  const job = find(env, id);
  const bar = progressBar(env, 0);
  if (job.state === 'running') {
    const ended = await new Promise<boolean>((resolve) => {
      const stop = job.watch(() => {
        if (job.state === 'running') return bar?.draw(job.summary);
        stop();
        resolve(true);
      });
      // Ctrl-C stops the waiting, not the job.
      void env.io.interrupted.then(() => {
        stop();
        resolve(false);
      });
    });
    bar?.clear();
    if (!ended) {
      env.out.info(`stopped waiting; job ${id} goes on (\`aapi jobs stop ${id}\` stops it)`);
      return EXIT.interrupted;
    }
  }
  if (job.error) throw new CliError(job.error.message, job.error.exitCode as never);
  return printResult(env, job.result!, job.spec.output);
}

export function stopJob(env: CommandEnv, id: string): number {
  if (!id) throw usageError('name the job: aapi jobs stop ID');
  const job = find(env, id);
  if (job.state === 'running') job.stop();
  env.out.info(job.state === 'running' ? `job ${id} stops: what is in flight finishes and is written; --resume carries on` : `job ${id} has already ended`);
  return EXIT.ok;
}
