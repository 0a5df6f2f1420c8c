// A real redis-server on a free loopback port, for the tests that need one (Debian's package,
// installed by the test set-up). Started and stopped by the test; its data lives only in memory.
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface RedisServer {
  port: number;
  url: string;
  /** Stops the server and resolves when its process has exited. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface RedisOptions {
  /** More redis-server options (`--requirepass`, `--enable-debug-command`…). */
  args?: string[];
  /** TLS only: the port takes TLS connections (no plain port), with these files. */
  tls?: { cert: string; key: string; ca: string };
}

/** Starts redis-server; resolves once it says it accepts connections (its own log line, no polling). */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const ports = options.tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        options.tls.cert,
        '--tls-key-file',
        options.tls.key,
        '--tls-ca-cert-file',
        options.tls.ca,
        '--tls-auth-clients',
        'no',
      ]
    : ['--port', String(port)];
  const child: ChildProcess = spawn(
    'redis-server',
    [...ports, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', ...(options.args ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/Ready to accept connections/.test(output)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => reject(new Error(`redis-server did not start (is the Debian package installed?): ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${String(code)} before it was ready:\n${output}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    url: `${options.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A private CA and a certificate for 127.0.0.1 signed by it (openssl), in `dir`. */
export function makeCertificates(dir: string): { cert: string; key: string; ca: string } {
  const files = { ca: `${dir}/ca.crt`, caKey: `${dir}/ca.key`, key: `${dir}/redis.key`, csr: `${dir}/redis.csr`, cert: `${dir}/redis.crt` };
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'ignore' });
  };
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=Stepwise test CA',
    '-keyout',
    files.caKey,
    '-out',
    files.ca,
  );
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', files.key, '-out', files.csr);
  writeFileSync(`${dir}/ext.cnf`, 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    files.csr,
    '-CA',
    files.ca,
    '-CAkey',
    files.caKey,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${dir}/ext.cnf`,
    '-out',
    files.cert,
  );
  return { cert: files.cert, key: files.key, ca: files.ca };
}
