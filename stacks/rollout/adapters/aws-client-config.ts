/**
 * Shared AWS SDK v3 client settings for the rollout's adapters: bounded
 * timeouts (a hung API call must not stall a bake forever; the caller retries
 * and then fails closed), a small retry budget, and an endpoint override for
 * emulators (moto, LocalStack).
 */
export interface AwsAdapterOptions {
  /** AWS region; defaults to the SDK's resolution (AWS_REGION, profile). */
  region?: string;
  /** Endpoint override, e.g. http://127.0.0.1:5000 for moto. */
  endpoint?: string;
  /** Static credentials (tests, emulators); defaults to the SDK's provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** SDK attempts per call, including the first. Default 3. */
  maxAttempts?: number;
  /** Milliseconds to establish a connection. Default 3000. */
  connectionTimeoutMs?: number;
  /** Milliseconds for a whole request. Default 10000. */
  requestTimeoutMs?: number;
}

export interface AwsClientSettings {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number };
}

export function awsClientSettings(options: AwsAdapterOptions = {}): AwsClientSettings {
  const settings: AwsClientSettings = {
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 3000,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
    },
  };
  if (options.region !== undefined) settings.region = options.region;
  if (options.endpoint !== undefined) settings.endpoint = options.endpoint;
  if (options.credentials !== undefined) settings.credentials = options.credentials;
  return settings;
}

/** The AWS SDK's documented switch for its Node-version notice (aws/aws-sdk-js-v3#7983). */
export const SDK_NODE_NOTICE_SWITCH = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";

/**
 * Turns off the SDK's 8-line notice that its releases after January 2027 need Node 22: it is
 * about the SDK's future, not this run, and this package supports Node >= 20.19 (its engines
 * field says so). Only that notice: every other process warning still prints. An operator who
 * set the switch themselves (e.g. to "false") keeps their choice.
 */
export function quietSdkNodeVersionNotice(
  env: Record<string, string | undefined> = process.env,
): void {
  env[SDK_NODE_NOTICE_SWITCH] ??= "true";
}
