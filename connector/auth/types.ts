/** Contracts of the token providers used by the source (Management Activity API) and the sink (Azure Monitor). */

/** An access token and when it stops being valid (ms since epoch), the @azure/core-auth `AccessToken` shape. */
export interface AccessTokenResult {
  token: string;
  expiresOnTimestamp: number;
}

/** Options of one token request. */
export interface GetTokenOptions {
  /** Bypass every cache and ask the authority again (after an HTTP 401 from the API). */
  forceRefresh?: boolean;
  signal?: AbortSignal;
}

/** Something that returns a bearer token for a scope such as `https://manage.office.com/.default`. */
export interface TokenProvider {
  getToken(scope: string, options?: GetTokenOptions): Promise<AccessTokenResult>;
  /** Short description for logs and errors (never contains secrets). */
  readonly description: string;
}
