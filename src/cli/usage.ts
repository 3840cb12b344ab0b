export const usage = `Usage:
  imagegate generate "<prompt>" [--model <model>] [-n <count>] [--size WxH] [--quality <q>]
                     [--param key=value ...] [-o <file.png>]
  imagegate --help | --version

generate  Generates images through the SDK and writes them to files (out.png, or out-1.png,
          out-2.png ... for n > 1). Provider credentials come from the environment
          (OPENAI_API_KEY, AZURE_API_KEY + AZURE_API_BASE, ...). --param passes any other
          param: numbers and true/false are parsed, everything else is a string.
`;
