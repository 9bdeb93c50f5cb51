/**
 * Loaded into the agent and hub with NODE_OPTIONS=--import=… when the
 * benchmark runs with --cpu-prof (Node 20 refuses --cpu-prof itself in
 * NODE_OPTIONS). SIGUSR2 starts V8's sampling profiler; the next SIGUSR2
 * stops it and writes `<BENCH_CPU_PROF_DIR>/<pid>.cpuprofile`, so the
 * profile covers exactly the window the benchmark chose. Nothing here runs
 * unless the benchmark asked for it.
 */
import { Session } from 'node:inspector';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  let running = false;
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))));
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      void post('Profiler.enable')
        .then(() => post('Profiler.setSamplingInterval', { interval: 500 }))
        .then(() => post('Profiler.start'));
      return;
    }
    running = false;
    void post('Profiler.stop')
      .then((result) => writeFile(join(dir, `${process.pid}.cpuprofile.tmp`), JSON.stringify((result as { profile: unknown }).profile)))
      .then(() => import('node:fs/promises').then((fs) => fs.rename(join(dir, `${process.pid}.cpuprofile.tmp`), join(dir, `${process.pid}.cpuprofile`))));
  });
}
