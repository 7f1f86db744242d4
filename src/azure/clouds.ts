// The three public Azure clouds: Resource Manager endpoint, Entra authority host, and the audience
// GitHub's OIDC token must carry for Entra's token exchange in that cloud.

export type CloudName = 'AzureCloud' | 'AzureUSGovernment' | 'AzureChinaCloud';

export interface Cloud {
  readonly armEndpoint: string;
  readonly authorityHost: string;
  readonly audience: string;
}

export const CLOUDS: Readonly<Record<CloudName, Cloud>> = {
  AzureCloud: {
    armEndpoint: 'https://management.azure.com',
    authorityHost: 'https://login.microsoftonline.com',
    audience: 'api://AzureADTokenExchange',
  },
  AzureUSGovernment: {
    armEndpoint: 'https://management.usgovcloudapi.net',
    authorityHost: 'https://login.microsoftonline.us',
    audience: 'api://AzureADTokenExchangeUSGov',
  },
  AzureChinaCloud: {
    armEndpoint: 'https://management.chinacloudapi.cn',
    authorityHost: 'https://login.chinacloudapi.cn',
    audience: 'api://AzureADTokenExchangeChina',
  },
};

export const CLOUD_NAMES: readonly string[] = Object.keys(CLOUDS);

export function isCloudName(value: string): value is CloudName {
  return Object.hasOwn(CLOUDS, value);
}

/** The token scope for a Resource Manager endpoint: the endpoint without trailing slash + /.default. */
export function armScope(armEndpoint: string): string {
  return `${armEndpoint.replace(/\/+$/, '')}/.default`;
}
