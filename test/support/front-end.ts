import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

export interface FrontEndAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A plain HTTP request to a front end (address:port) for `host`, as a browser resolving it there would send. */
export function requestThrough(
  address: string,
  port: number,
  host: string,
  path = '/',
): Promise<FrontEndAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: address, port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('the front end did not answer within 10 s')));
    req.end();
  });
}

/** The certificate a front end serves for `servername` (SNI), the TLS version, and its answer there to GET `path`. */
export function tlsThrough(
  address: string,
  port: number,
  servername: string,
  ca: string,
  opts: { path?: string; minVersion?: tls.SecureVersion; maxVersion?: tls.SecureVersion } = {},
): Promise<FrontEndAnswer & { subjectCN: string; issuerCN: string; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: address,
        port,
        path: opts.path ?? '/',
        servername,
        ca,
        minVersion: opts.minVersion,
        maxVersion: opts.maxVersion,
        headers: { host: servername },
        agent: false,
      },
      (res) => {
        const socket = res.socket as tls.TLSSocket;
        const cert = socket.getPeerCertificate();
        const protocol = socket.getProtocol();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({
            subjectCN: String(cert.subject.CN),
            issuerCN: String(cert.issuer.CN),
            protocol,
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
          }),
        );
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('no TLS answer within 10 s')));
    req.end();
  });
}
