export { checkHost } from './check-host';
export * from './cidr';
export * from './forbidden-address';
export * from './forbidden-error';
export * from './guarded-dispatcher';
export * from './guarded-lookup';
export * from './ip-address';
export * from './resolver';
export * from './special-ranges';
export * from './ssrf-corpus';
export * from './url-host';
export * from './webhook-url';
// undici's own fetch, from the same install as the dispatcher: the pairing always works,
// and a refusal stays the AppError (with its code) as the `cause` of "fetch failed".
export { fetch as undiciFetch } from 'undici';
