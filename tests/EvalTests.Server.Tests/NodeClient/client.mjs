// A client we did not write: the official openai npm package against an EvalTests server.
// Usage: node client.mjs <baseURL> <apiKey>; prints one JSON object with what came back.
import OpenAI from 'openai';

const [baseURL, apiKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const out = {};

const models = await client.models.list();
out.models = models.data.map((m) => m.id);
const model = out.models[0];
const messages = [{ role: 'user', content: 'Once upon a time' }];

const chat = await client.chat.completions.create({ model, messages, max_completion_tokens: 20 });
out.chat = { text: chat.choices[0].message.content, finish: chat.choices[0].finish_reason, usage: chat.usage };

const stream = await client.chat.completions.create({ model, messages, max_tokens: 20, stream: true, stream_options: { include_usage: true } });
let text = '';
let chunks = 0;
let usage = null;
for await (const chunk of stream) {
  chunks++;
  text += chunk.choices[0]?.delta?.content ?? '';
  usage = chunk.usage ?? usage;
}
out.streamed = { text, chunks, usage };

const completion = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 1, echo: true, logprobs: 0 });
const logprobs = completion.choices[0].logprobs;
out.completion = { text: completion.choices[0].text, tokens: logprobs.tokens, token_logprobs: logprobs.token_logprobs, text_offset: logprobs.text_offset, usage: completion.usage };

try {
  await client.chat.completions.create({ model: 'no-such-model', messages });
  out.error = null;
} catch (e) {
  out.error = { status: e.status, message: e.message };
}

// Sampling with a seed: the same seed draws the same choices, another seed others; n choices come back.
const sample = (seed) => client.chat.completions.create({ model, messages, max_tokens: 12, temperature: 1.2, top_p: 0.95, seed, n: 3 });
const [first, again, other] = await Promise.all([sample(7), sample(7), sample(8)]);
out.sampled = {
  first: first.choices.map((c) => c.message.content),
  again: again.choices.map((c) => c.message.content),
  other: other.choices.map((c) => c.message.content),
  indexes: first.choices.map((c) => c.index),
  usage: first.usage,
};

// Top-N log-probabilities: on the completions endpoint (as lm-evaluation-harness's local-completions asks) and on chat.
const top = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 3, echo: true, logprobs: 2 });
out.topCompletion = { tokens: top.choices[0].logprobs.tokens, top_logprobs: top.choices[0].logprobs.top_logprobs, token_logprobs: top.choices[0].logprobs.token_logprobs };
const chatTop = await client.chat.completions.create({ model, messages, max_tokens: 4, logprobs: true, top_logprobs: 2 });
out.topChat = chatTop.choices[0].logprobs.content;

// Requests the server cannot honour are refused with 400 naming the field.
out.refused = {};
for (const [name, extra] of [['tools', { tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }], ['temperature', { temperature: 5 }], ['max_tokens', { max_tokens: 600 }], ['n', { n: 100 }]]) {
  try {
    await client.chat.completions.create({ model, messages, ...extra });
    out.refused[name] = null;
  } catch (e) {
    out.refused[name] = { status: e.status, param: e.param ?? e.error?.param ?? null };
  }
}

console.log(JSON.stringify(out));
