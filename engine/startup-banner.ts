/**
 * What `npm start` prints once it listens: where the designer, the hosted runner, the API
 * reference and the health check are, whether the OpenID provider is served, and, on the start that
 * generated it, the admin key with the real path of the file that keeps it (DATA_DIR-aware).
 */
import { join } from 'node:path';

export interface BannerInput {
  /** PUBLIC_URL, or '' when it is not set. */
  publicUrl: string;
  port: number;
  dataDir: string;
  /** The generated admin key, or null when ADMIN_API_KEY was given or generated on an earlier start. */
  generatedAdminKey: string | null;
}

function adminKeyPath(dataDir: string): string {
  return join(dataDir, 'admin-api-key');
}

export function startupBanner({ publicUrl, port, dataDir, generatedAdminKey }: BannerInput): string {
  const base = publicUrl || `http://localhost:${port}`;
  const lines = [
    '',
    `Journey engine listening on port ${port}`,
    `  designer        ${base}/designer/`,
    `  hosted runner   ${base}/run/{journeyId}   e.g. ${base}/run/login`,
    `  API reference   ${base}/docs   (OpenAPI document: ${base}/openapi.json)`,
    `  health          ${base}/healthz`,
    publicUrl
      ? `  OpenID provider ${publicUrl}/oidc   (discovery: ${publicUrl}/oidc/.well-known/openid-configuration)`
      : `  OpenID provider off: set PUBLIC_URL (e.g. PUBLIC_URL=http://localhost:${port}) to serve it (docs/oidc.md)`,
  ];
  if (generatedAdminKey) {
    lines.push(
      '',
      `Generated ADMIN_API_KEY, printed this once; it is kept in ${adminKeyPath(dataDir)}:`,
      `  ${generatedAdminKey}`,
      'Sign in to the designer with it.',
    );
  }
  return `${lines.join('\n')}\n\n`;
}
