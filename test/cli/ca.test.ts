import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCa } from '../../src/cli/ca.js';
import { CliError } from '../../src/util/exit.js';
import { alsoTrusting } from '../../src/session/ca.js';
import { rootCertificates } from 'node:tls';

// --ca FILE / AAPI_CA: read by the client, refused with exit 2 naming the file when it will not do,
// and added to the authorities Node trusts rather than put in their place.

const dir = mkdtempSync(join(tmpdir(), 'aapi-ca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let pem: string;
beforeAll(async () => {
  pem = (await generate([{ name: 'commonName', value: 'private ca' }], { keySize: 2048, algorithm: 'sha256' })).cert;
  writeFileSync(join(dir, 'ca.pem'), pem);
  writeFileSync(join(dir, 'text.txt'), 'no certificate here');
  writeFileSync(join(dir, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n');
}, 30_000);

const io = (env: NodeJS.ProcessEnv = {}) => ({
  stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(), env, interrupted: new Promise<void>(() => {}),
  tty: { stdin: false, stdout: false, stderr: false },
});

function refusal(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return err as CliError;
  }
  throw new Error('not refused');
}

describe('readCa', () => {
  it('reads --ca, else AAPI_CA; neither: none', () => {
    expect(readCa(join(dir, 'ca.pem'), io())).toBe(pem);
    expect(readCa(undefined, io({ AAPI_CA: join(dir, 'ca.pem') }))).toBe(pem);
    expect(readCa(undefined, io())).toBeUndefined();
  });

  it('a file it cannot read, or one without a valid certificate: exit 2 naming the flag and the file', () => {
    const missing = refusal(() => readCa(join(dir, 'nope.pem'), io({ AAPI_CA: join(dir, 'ca.pem') })));
    expect(missing.exitCode).toBe(2);
    expect(missing.message).toBe(`cannot read --ca ${join(dir, 'nope.pem')}: ENOENT`);
    expect(refusal(() => readCa(undefined, io({ AAPI_CA: dir }))).message).toBe(`cannot read AAPI_CA ${dir}: EISDIR`);
    expect(refusal(() => readCa(join(dir, 'text.txt'), io())).message).toMatch(/text\.txt holds no PEM certificate/);
    expect(refusal(() => readCa(join(dir, 'broken.pem'), io())).message).toMatch(/broken\.pem: certificate 1 is not a valid certificate/);
  });
});

describe('alsoTrusting', () => {
  it('keeps Node\'s authorities and NODE_EXTRA_CA_CERTS\' beside the extra one', () => {
    const extra = join(dir, 'extra.pem');
    writeFileSync(extra, 'EXTRA');
    const cas = alsoTrusting(pem, { NODE_EXTRA_CA_CERTS: extra });
    expect(cas.slice(0, rootCertificates.length)).toEqual([...rootCertificates]);
    expect(cas.slice(rootCertificates.length)).toEqual(['EXTRA', pem]);
    expect(alsoTrusting(pem, { NODE_EXTRA_CA_CERTS: join(dir, 'gone.pem') })).toHaveLength(rootCertificates.length + 1);
  });
});
