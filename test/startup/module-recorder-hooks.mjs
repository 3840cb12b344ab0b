// Module hooks (node:module register) for load-and-record.mjs: every module the loader loads is reported, by URL, on
// the port the main thread passed in.
let port;

export function initialize(data) {
  port = data.port;
}

export async function load(url, context, nextLoad) {
  port.postMessage(url);
  return nextLoad(url, context);
}
