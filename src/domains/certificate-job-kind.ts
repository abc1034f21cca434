/** The job kind of a certificate attempt (src/jobs/certificate.ts). */
export const CERTIFICATE_JOB = 'certificate';
