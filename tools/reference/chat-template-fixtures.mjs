// Expected chat-template renderings from Hugging Face's Jinja (@huggingface/jinja, what transformers.js's
// apply_chat_template runs) for the chat_template of each tokenizer_config.json under ../shared/models. The template
// itself is not copied: the fixture names the file and its SHA-256. Run from this folder:
//   node chat-template-fixtures.mjs [path/to/shared]
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Template } from '@huggingface/jinja';

const version = JSON.parse(readFileSync(new URL('node_modules/@huggingface/jinja/package.json', import.meta.url), 'utf8')).version;
const repo = resolve(new URL('../..', import.meta.url).pathname);
const shared = resolve(process.argv[2] ?? join(repo, '..', 'shared'));

const fewShot = [
  { role: 'user', content: '以下是中国关于计算机网络考试的单项选择题，请选出其中的正确答案。\n1+1=?\nA. 1\nB. 2\nC. 3\nD. 4\n答案: ' },
  { role: 'assistant', content: 'B' },
  { role: 'user', content: '以下是中国关于计算机网络考试的单项选择题，请选出其中的正确答案。\n2+2=?\nA. 1\nB. 2\nC. 3\nD. 4\n答案: ' },
];
const conversations = {
  'one user turn': [{ role: 'user', content: 'Hello!' }],
  'system, user, assistant, user': [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'What is 2+2?' },
    { role: 'assistant', content: 'It is 4.' },
    { role: 'user', content: 'And 3+3?' },
  ],
  'few-shot as OpenCompass sends it': fewShot,
  'assistant turn with reasoning': [
    { role: 'user', content: 'Think first.' },
    { role: 'assistant', content: '<think>\nsome reasoning\n</think>\n\nThe answer.' },
    { role: 'user', content: 'Again, with   spaces\nand lines.  ' },
  ],
  'ends with an assistant turn': [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello there' }],
};

const outDir = join(repo, 'tests/EvalTests.Onnx.Tests/ChatTemplates');
mkdirSync(outDir, { recursive: true });
for (const model of readdirSync(join(shared, 'models')).sort()) {
  const file = join(shared, 'models', model, 'tokenizer_config.json');
  if (!existsSync(file)) continue;
  const config = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof config.chat_template !== 'string') continue;
  const template = new Template(config.chat_template);
  const token = t => (typeof t === 'string' ? t : t?.content) ?? '';
  const cases = [];
  for (const [name, messages] of Object.entries(conversations)) {
    for (const addGenerationPrompt of [true, false]) {
      const variables = { messages, add_generation_prompt: addGenerationPrompt, bos_token: token(config.bos_token), eos_token: token(config.eos_token) };
      cases.push({ name, addGenerationPrompt, messages, bosToken: variables.bos_token, eosToken: variables.eos_token, rendered: template.render(variables) });
    }
  }
  const lines = cases.map(c => '  ' + JSON.stringify(c)).join(',\n');
  writeFileSync(join(outDir, `${model}.expected.json`),
    `{\n "tokenizerConfig": "shared:models/${model}/tokenizer_config.json",\n "templateSha256": "${createHash('sha256').update(config.chat_template, 'utf8').digest('hex')}",\n "reference": "@huggingface/jinja@${version}",\n "cases": [\n${lines}\n ]\n}\n`);
  console.log(`${model}: ${cases.length} renderings`);
}
