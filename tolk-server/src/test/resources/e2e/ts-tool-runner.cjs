// The official TypeScript SDK's tool runner with default settings (message threads on), against a base URL.
// Usage: node ts-tool-runner.cjs BASE_URL stream|nostream
// Prints one JSON line: the final text and, per HTTP request the SDK sent, its thread field, message count,
// whether system/tools were sent, the anthropic-beta header and the response status.
const sdk = require('@anthropic-ai/sdk');
const Anthropic = sdk.default || sdk.Anthropic || sdk;
const { betaTool } = require('@anthropic-ai/sdk/helpers/beta/json-schema');

const [baseURL, mode] = process.argv.slice(2);
const requests = [];

async function recordingFetch(url, init) {
  const body = init && typeof init.body === 'string' ? JSON.parse(init.body) : null;
  const res = await fetch(url, init);
  requests.push({
    path: new URL(String(url)).pathname,
    thread: body && body.thread ? body.thread : null,
    messages: body && Array.isArray(body.messages) ? body.messages.length : null,
    system: !!(body && body.system),
    tools: !!(body && body.tools),
    beta: new Headers(init && init.headers).get('anthropic-beta'),
    status: res.status,
  });
  return res;
}

async function main() {
  const client = new Anthropic({ baseURL, apiKey: 'sk-test', maxRetries: 0, fetch: recordingFetch });
  const weather = betaTool({
    name: 'get_weather',
    description: 'The current weather in a city',
    inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    run: async ({ city }) => `sunny, 21 C in ${city}`,
  });
  const runner = client.beta.messages.toolRunner({
    model: 'claude-sonnet-4-5',
    max_tokens: 300,
    system: 'You answer questions about the weather.',
    tools: [weather],
    messages: [{ role: 'user', content: 'What is the weather in Oslo?' }],
    stream: mode === 'stream',
  });
  const final = await runner.runUntilDone();
  const text = final.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
  console.log(JSON.stringify({ text, requests }));
}

main().catch((e) => {
  console.log(JSON.stringify({ error: String(e && e.stack ? e.stack : e), requests }));
  process.exit(1);
});
