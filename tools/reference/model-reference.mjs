// Reference computations on real data for the exactness specs: OpenCompass's ceval_ppl choice and PPL values, and its
// ceval_gen greedy answers, for a model folder evaluated as a base model (HuggingFaceBaseModel) or a chat model
// (HuggingFacewithChatTemplate). Independent of EvalTests: prompts built here from the C-Eval CSVs as OpenCompass's
// configs write them, chat templates rendered by @huggingface/jinja, ids from Hugging Face `tokenizers`, logits from
// ONNX Runtime (npm), PPL by OpenCompass's get_ppl rule (on the plain-text prompt for both kinds). Run from this folder:
//   node model-reference.mjs <model> <base|chat> <limit> <maxOutLen> <subset>... [--shared path]
// Writes tests/EvalTests.Cli.Tests/Reference/<model>.ceval.<base|chat>.expected.json (no dataset text: indices and numbers).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const { Tokenizer } = require('tokenizers');
const { Template } = await import('@huggingface/jinja');
const ort = require('onnxruntime-node');

const args = process.argv.slice(2);
const sharedAt = args.indexOf('--shared');
const repo = resolve(new URL('../..', import.meta.url).pathname);
const shared = sharedAt >= 0 ? resolve(args.splice(sharedAt, 2)[1]) : join(repo, '..', 'shared');
const [model, hfType, limitText, maxOutText, ...subsets] = args;
const limit = Number(limitText);
const maxOutLen = Number(maxOutText);

const folder = join(shared, 'models', model);
const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'));
const generation = JSON.parse(readFileSync(join(folder, 'generation_config.json'), 'utf8'));
const maxSeqLen = config.max_position_embeddings;
const eos = new Set([config.eos_token_id, generation.eos_token_id].flat().filter(x => x !== undefined));
const tokenizer = Tokenizer.fromFile(join(folder, 'tokenizer.json'));
const tokenizerConfig = JSON.parse(readFileSync(join(folder, 'tokenizer_config.json'), 'utf8'));
const tokenText = t => (typeof t === 'string' ? t : t?.content) ?? '';
const chatTemplate = hfType === 'chat' ? new Template(tokenizerConfig.chat_template) : null;
// HuggingFacewithChatTemplate's stop words: the text of each generation_config eos id and the tokenizer's eos token.
const stopWords = hfType === 'chat'
  ? [...new Set([...(await Promise.all([...eos].map(id => tokenizer.decode([id], false)))), tokenText(tokenizerConfig.eos_token)].filter(w => w))]
  : [];
const session = await ort.InferenceSession.create(join(folder, 'onnx', 'model.onnx'));
const layers = session.inputNames.filter(n => n.startsWith('past_key_values.') && n.endsWith('.key')).length;
const kvHeads = config.num_key_value_heads ?? config.num_attention_heads;
const headSize = config.head_dim ?? config.hidden_size / config.num_attention_heads;

// Python's csv.reader on a text-mode file: quoted cells, doubled quotes, universal newlines.
function csv(text) {
  text = text.replace(/\r\n?/g, '\n');
  const rows = [];
  let row = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; }
    else cell += c;
  }
  if (cell !== '' || row.length > 0) { row.push(cell); rows.push(row); }
  return rows;
}

function load(subject, split) {
  const [header, ...rows] = csv(readFileSync(join(shared, 'datasets', 'ceval', split, `${subject}_${split}.csv`), 'utf8'));
  return rows.map(r => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

const mapping = JSON.parse(readFileSync(join(shared, 'datasets', 'ceval', 'subject_mapping.json'), 'utf8'));
// ceval_gen_5f30c7 / ceval_ppl_578f8d: HUMAN and BOT turns, joined by "\n" for a model without a meta template.
const human = (name, q) => `以下是中国关于${name}考试的单项选择题，请选出其中的正确答案。\n${q.question}\nA. ${q.A}\nB. ${q.B}\nC. ${q.C}\nD. ${q.D}\n答案: `;
const render = (name, shots, q, answer) => [...shots.flatMap(s => [human(name, s), s.answer]), human(name, q), answer].filter(t => t !== '').join('\n');

const encode = async text => (await tokenizer.encode(text, null, { addSpecialTokens: true })).getIds();

function feeds(ids) {
  const n = ids.length;
  const f = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, n]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
    position_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(i))), [1, n]),
  };
  for (let l = 0; l < layers; l++) {
    for (const kind of ['key', 'value']) f[`past_key_values.${l}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [1, kvHeads, 0, headSize]);
  }
  return f;
}

// log p(ids[t+1] | ids[..t]) for every t: one forward pass over the whole sequence.
async function tokenLogProbs(ids) {
  const out = await session.run(feeds(ids), ['logits']);
  const [, n, vocab] = out.logits.dims;
  const logits = out.logits.data;
  const result = [];
  for (let t = 0; t + 1 < n; t++) {
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) max = Math.max(max, logits[t * vocab + v]);
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(logits[t * vocab + v] - max);
    result.push(logits[t * vocab + ids[t + 1]] - max - Math.log(sum));
  }
  return result;
}

async function greedy(ids) {
  const generated = [];
  let sequence = ids.slice(Math.max(0, ids.length - (maxSeqLen - maxOutLen)));
  for (let step = 0; step < maxOutLen; step++) {
    const out = await session.run(feeds(sequence), ['logits']);
    const [, n, vocab] = out.logits.dims;
    let best = 0;
    for (let v = 1; v < vocab; v++) if (out.logits.data[(n - 1) * vocab + v] > out.logits.data[(n - 1) * vocab + best]) best = v;
    if (eos.has(best)) break;
    generated.push(best);
    sequence = [...sequence, best];
  }
  return generated;
}

const questions = [];
for (const subject of subsets) {
  const name = mapping[subject][1];
  const dev = load(subject, 'dev').slice(0, 5);
  const val = load(subject, 'val').slice(0, limit);
  for (let index = 0; index < val.length; index++) {
    const q = val[index];
    // PPLInferencer: for each label in order, drop the last example while the prompt exceeds max_seq_len; drops persist.
    let shots = dev.slice();
    const labels = [];
    for (const label of ['A', 'B', 'C', 'D']) {
      let ids = await encode(render(name, shots, q, label));
      while (shots.length > 0 && ids.length > maxSeqLen) { shots = shots.slice(0, -1); ids = await encode(render(name, shots, q, label)); }
      const kept = ids.slice(Math.max(0, ids.length - maxSeqLen));
      const lp = await tokenLogProbs(kept);
      // get_ppl: summed cross-entropy over the predicted tokens / number of input tokens (the first included).
      labels.push({ label, shots: shots.length, tokens: kept.length, ppl: -lp.reduce((a, b) => a + b, 0) / kept.length });
    }
    let best = 0;
    labels.forEach((l, i) => { if (l.ppl < labels[best].ppl) best = i; });

    // GenInferencer: examples dropped while the prompt (empty answer) exceeds max_seq_len; generate() then keeps the
    // last max_seq_len - max_out_len tokens. A chat model's prompt is its chat template over the turns as messages
    // (the empty answer turn left out), with the generation prompt and no added special tokens.
    const genPrompt = async shots => chatTemplate
      ? (await tokenizer.encode(chatTemplate.render({
          messages: [...shots.flatMap(s => [{ role: 'user', content: human(name, s) }, { role: 'assistant', content: s.answer }]), { role: 'user', content: human(name, q) }],
          add_generation_prompt: true, bos_token: tokenText(tokenizerConfig.bos_token), eos_token: tokenText(tokenizerConfig.eos_token),
        }), null, { addSpecialTokens: false })).getIds()
      : encode(render(name, shots, q, ''));
    let genShots = dev.slice();
    let genIds = await genPrompt(genShots);
    while (genShots.length > 0 && genIds.length > maxSeqLen) { genShots = genShots.slice(0, -1); genIds = await genPrompt(genShots); }
    const output = await greedy(genIds);
    // Base: decoded without special tokens. Chat: with them, cut at each stop word.
    let genText = await tokenizer.decode(output, !chatTemplate);
    for (const stop of stopWords) genText = genText.split(stop)[0];
    questions.push({
      subset: `ceval-${subject}`, index, gold: q.answer,
      ppl: labels.map(l => l.ppl), tokens: labels.map(l => l.tokens), shots: labels.map(l => l.shots), prediction: labels[best].label,
      genShots: genShots.length, genPromptTokens: genIds.length, genIds: output, genText,
    });
    process.stderr.write(`${subject} ${index}\r`);
  }
}

const outDir = join(repo, 'tests/EvalTests.Cli.Tests/Reference');
mkdirSync(outDir, { recursive: true });
const lines = questions.map(q => '  ' + JSON.stringify(q)).join(',\n');
writeFileSync(join(outDir, `${model}.ceval.${hfType}.expected.json`),
  `{\n "model": ${JSON.stringify(model)},\n "reference": "tokenizers@${require('tokenizers/package.json').version} ids, onnxruntime-node@${require('onnxruntime-node/package.json').version} logits, OpenCompass get_ppl (sum / input tokens), greedy without KV cache${chatTemplate ? ', @huggingface/jinja chat template' : ''}",\n "hfType": ${JSON.stringify(hfType)},\n "maxSeqLen": ${maxSeqLen},\n "maxOutLen": ${maxOutLen},\n "limit": ${limit},\n "subsets": ${JSON.stringify(subsets)},\n "questions": [\n${lines}\n ]\n}\n`);
console.log(`${questions.length} questions written`);
