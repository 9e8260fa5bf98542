import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('./fake-provider-process.ts', import.meta.url));

export interface FakeProviderProcess {
  /** Base URL up to /v1, for OPENAI_BASE_URL and createOpenAIChatModel. */
  url: string;
  pid: number | undefined;
  close(): Promise<void>;
}

/** Starts the fake OpenAI-compatible server (`tokens` per answer, `tokenDelayMs` before each) in a child process. */
export const startFakeProviderProcess = async (tokens: number, tokenDelayMs = 0): Promise<FakeProviderProcess> => {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), entry, String(tokens), String(tokenDelayMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the fake provider did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`the fake provider exited with ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
  });
  return {
    url, pid: child.pid,
    close: async () => {
      child.stdin.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
};
