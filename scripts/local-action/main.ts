// The entrypoint `npm run local-action` hands to @github/local-action, which imports it and calls
// run() with its own stubs in place of @actions/core. What those stubs lack is added here, for
// local runs only (the action's sign-in code in src/ is untouched):
// - getIDToken: local-action's stub throws "Not implemented". This one asks the endpoint in
//   ACTIONS_ID_TOKEN_REQUEST_URL, as @actions/core does on a runner (the emulator serves one).
// - the emulator's CA: local-action loads its env file after Node started, too late for
//   NODE_EXTRA_CA_CERTS, so the CA that variable names is added to this process's default CAs.
// - the exit code: local-action's setFailed only records the failure; here it also sets exit 1.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * The object local-action registered with quibble for @actions/core (its CORE_STUBS). The stub
 * module reads its exports from this object when the action first imports @actions/core, so
 * changing it before that import changes what the action calls.
 */
function coreStubs(): Record<string, unknown> {
  const state: unknown = Reflect.get(globalThis, Symbol.for('__quibbleUserState'));
  const modules: unknown = isRecord(state) ? state['quibbledModules'] : undefined;
  if (modules instanceof Map) {
    for (const pair of modules.entries()) {
      const url: unknown = pair[0];
      const entry: unknown = pair[1];
      if (typeof url === 'string' && url.endsWith('/@actions/core/lib/core.js') && isRecord(entry) && isRecord(entry['namedExportStubs'])) {
        return entry['namedExportStubs'];
      }
    }
  }
  throw new Error('@github/local-action did not stub @actions/core through quibble as expected (see scripts/local-action/main.ts)');
}

async function getIDToken(audience?: string): Promise<string> {
  const url = process.env['ACTIONS_ID_TOKEN_REQUEST_URL'];
  const token = process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
  // The messages @actions/core gives, so the action reacts as on a runner.
  if (!url) throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable');
  if (!token) throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_TOKEN env variable');
  const res = await fetch(audience ? `${url}&audience=${encodeURIComponent(audience)}` : url, {
    headers: { Authorization: `Bearer ${token}` },
  });
  const body: unknown = await res.json().catch(() => undefined);
  const value = isRecord(body) ? body['value'] : undefined;
  if (!res.ok || typeof value !== 'string') throw new Error(`Failed to get ID Token. Error Code : ${res.status}`);
  return value;
}

function trustExtraCa(): void {
  const file = process.env['NODE_EXTRA_CA_CERTS'];
  if (file) tls.setDefaultCACertificates([...tls.getCACertificates('default'), readFileSync(file, 'utf8')]);
}

export async function run(): Promise<void> {
  const stubs = coreStubs();
  const { setSecret, setFailed } = stubs;
  stubs['getIDToken'] = async (audience?: string): Promise<string> => {
    const value = await getIDToken(audience);
    if (typeof setSecret === 'function') setSecret(value);
    return value;
  };
  stubs['setFailed'] = (message: string | Error): void => {
    process.exitCode = 1;
    if (typeof setFailed === 'function') setFailed(message);
  };
  trustExtraCa();
  // Imported only now, so its import of @actions/core reads the stubs as changed above.
  const action = await import('../../src/main.ts');
  await action.run();
}
