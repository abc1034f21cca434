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

/** The certificate a front end serves for `servername` (SNI), and the body it answers there to GET /. */
export function tlsThrough(
  address: string,
  port: number,
  servername: string,
  ca: string,
): Promise<{ subjectCN: string; issuerCN: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: address, port, path: '/', servername, ca, headers: { host: servername }, agent: false },
      (res) => {
        const cert = (res.socket as tls.TLSSocket).getPeerCertificate();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({ subjectCN: String(cert.subject.CN), issuerCN: String(cert.issuer.CN), body }),
        );
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('no TLS answer within 10 s')));
    req.end();
  });
}
