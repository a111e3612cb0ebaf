/**
 * Minting JWTs the way an identity provider does (node:crypto, independent of the router's
 * WebCrypto code), so the router's verification is checked against tokens it did not make:
 * HS256 (HMAC), RS256 (RSA PKCS#1 v1.5) and ES256 (ECDSA P-256, JWS r||s signature).
 */
import {
  createHmac,
  generateKeyPairSync,
  sign,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";
import type { PublicJwk } from "../../../components/cloudflare/router-source.js";

/** A key an issuer signs with: a shared HMAC secret, or a private key with its public JWK. */
export type SigningKey =
  | { alg: "HS256"; secret: string }
  | { alg: "RS256" | "ES256"; privateKey: KeyObject; publicJwk: PublicJwk };

function base64Url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

/** A fresh RS256 or ES256 key pair; `kid` names the public key in its JWKS. */
export function keyPair(alg: "RS256" | "ES256", kid?: string): SigningKey {
  const { privateKey, publicKey } =
    alg === "RS256"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk: JsonWebKey = publicKey.export({ format: "jwk" });
  const publicJwk: PublicJwk =
    alg === "RS256"
      ? { kty: "RSA", n: String(jwk.n), e: String(jwk.e) }
      : { kty: "EC", crv: "P-256", x: String(jwk.x), y: String(jwk.y) };
  return { alg, privateKey, publicJwk: kid === undefined ? publicJwk : { ...publicJwk, kid } };
}

/** The signature part for `signingInput` ("<header>.<claims>") under `key`. */
export function signature(key: SigningKey, signingInput: string): string {
  if (key.alg === "HS256") {
    return createHmac("sha256", key.secret).update(signingInput).digest("base64url");
  }
  const data = Buffer.from(signingInput);
  return key.alg === "RS256"
    ? sign("sha256", data, key.privateKey).toString("base64url")
    : // JWS ES256 is the raw r||s pair, not DER (RFC 7518 3.4).
      sign("sha256", data, { key: key.privateKey, dsaEncoding: "ieee-p1363" }).toString(
        "base64url",
      );
}

/** The encoded header and claims of a token, before signing. */
export function signingInput(header: object, claims: object): string {
  return `${base64Url(JSON.stringify(header))}.${base64Url(JSON.stringify(claims))}`;
}

/**
 * A compact JWS of `claims`, signed by `key`.
 * @param header Extra or replacing header fields (e.g. a lying `alg`); `alg` defaults to the key's.
 */
export function mintJwt(key: SigningKey, claims: object, header: object = {}): string {
  const kid = key.alg === "HS256" ? undefined : key.publicJwk.kid;
  const input = signingInput(
    { alg: key.alg, typ: "JWT", ...(kid !== undefined ? { kid } : {}), ...header },
    claims,
  );
  return `${input}.${signature(key, input)}`;
}
