export const usage = `Usage:
  imagegate [--config config.yaml] [--port 4000] [--host 127.0.0.1] [--log-level info] [--grace-period 30]
  imagegate generate "<prompt>" [--model <model>] [-n <count>] [--size WxH] [--quality <q>]
                     [--param key=value ...] [-o <file.png>]
  imagegate models [--provider <id>] [--json]
  imagegate --help | --version

(proxy)   Serves the OpenAI-compatible image API (POST /v1/images/generations, GET /v1/models,
          GET /health/liveliness|readiness) for the model groups of a LiteLLM-style config.yaml.
          Without --config it serves every catalog model of each provider whose credentials are
          in the environment, plus the offline mock/ models. The key clients must send comes from
          general_settings.master_key or IMAGEGATE_MASTER_KEY. --host 0.0.0.0 listens on every
          interface; --port 0 picks a free port. SIGTERM/SIGINT let requests in flight finish
          (up to --grace-period seconds) and exit 0.
models    Lists every catalogued model: how to name it, its provider, n range, sizes, price and
          accepted params (--json for all of it, pricing tables included).
generate  Generates images through the SDK and writes them to files (out.png, or out-1.png,
          out-2.png ... for n > 1). Provider credentials come from the environment
          (OPENAI_API_KEY, AZURE_API_KEY + AZURE_API_BASE, ...). --param passes any other
          param: numbers and true/false are parsed, everything else is a string.
`;
