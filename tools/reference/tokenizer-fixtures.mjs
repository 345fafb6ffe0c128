// Expected ids and decodings from the reference implementation, Hugging Face `tokenizers` (Rust, npm binding), for
// every tokenizer.json under ../shared/models and the component tokenizers in the test fixtures. The C# parity tests
// compare EvalTests' tokenizer with these files. Run from this folder after `npm ci`:
//   node tokenizer-fixtures.mjs [path/to/shared]
// Dataset texts are not copied into the fixtures: a case names the file and line range, and its SHA-256.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const { Tokenizer } = require('tokenizers');
const version = JSON.parse(readFileSync(require.resolve('tokenizers/package.json'), 'utf8')).version;

const repo = resolve(new URL('../..', import.meta.url).pathname);
const shared = resolve(process.argv[2] ?? join(repo, '..', 'shared'));
const fixtures = join(repo, 'tests/EvalTests.Onnx.Tests/Tokenization/Fixtures');

const edgeCases = {
  'empty': '',
  'one space': ' ',
  'plain': 'Hello world',
  'leading and trailing spaces': '  leading and trailing  ',
  'runs of spaces': 'multiple     spaces and\ttabs\t\there',
  'CRLF and blank lines': 'line1\r\nline2\r\n\r\nline3\n\n\n\nend\r',
  'only newlines': '\n\n\n',
  'NFC and NFD': 'caf\u00e9 vs cafe\u0301, \u00c5ngstr\u00f6m vs A\u030angstro\u0308m, \ud55c\uae00 vs \u1112\u1161\u11ab\u1100\u1173\u11af',
  'full-width': '\uff26\uff55\uff4c\uff4c\uff0d\uff57\uff49\uff44\uff54\uff48 \uff11\uff12\uff13 \uff21\uff22\uff23\uff01\uff1f',
  'digits': 'Numbers 12345 and 3.14159, 1,000,000 and \u2167 \u00bd \u00b2',
  'emoji': 'emoji \ud83d\ude00\ud83d\udc4d\ud83c\udffd family \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67 flag \ud83c\uddfa\ud83c\uddf3',
  'chinese': '\u4ee5\u4e0b\u662f\u4e2d\u56fd\u5173\u4e8e\u8ba1\u7b97\u673a\u7f51\u7edc\u8003\u8bd5\u7684\u5355\u9879\u9009\u62e9\u9898\uff0c\u8bf7\u9009\u51fa\u5176\u4e2d\u7684\u6b63\u786e\u7b54\u6848\u3002\nA. \u9009\u9879\n\u7b54\u6848: C',
  'contractions': "I'm you're they'll we've he'd it's DON'T",
  'accents and ligatures': '\u00c0\u00c9\u00ce\u00d5\u00dc \u01c5 stra\u00dfe \ufb01ne \u212b',
  'unicode spaces': 'nbsp\u00a0here\u3000ideographic\u2009thin \u200bzero-width',
  'code': 'for (int i = 0; i < 10; i++) { x += i; } // done\n\treturn x;',
  'url': 'https://example.com/path?q=1&r=2#frag',
  'supplementary letters': '\ud840\udc00\ud840\udc01 abc \ud835\udc00\ud835\udc01',
  'hyphens and punctuation runs': 'well-known -- dash... wait?! (yes) "quoted" x-ray exe',
  'single words': 'hello there, hello, say hello! ahello hellos',
  'added tokens beside spaces': 'a <mask> b <sep>   c<mask>d',
  'normalized added token': 'Hello World and WORLD',
};

// Text slices of real data: [file under datasets/, first line, end line (exclusive)].
const dataCases = [
  ['ceval/val/computer_network_val.csv', 0, 8],
  ['ceval/dev/law_dev.csv', 0, 6],
  ['ceval/val/high_school_physics_val.csv', 0, 400],
  ['cmmlu/test/chinese_literature.csv', 0, 12],
  ['cmmlu/dev/computer_science.csv', 0, 6],
];

function slice(file, from, to) {
  const lines = readFileSync(join(shared, 'datasets', file), 'utf8').split('\n');
  return lines.slice(from, to).join('\n');
}

const sha256 = text => createHash('sha256').update(text, 'utf8').digest('hex');

async function cases(tokenizer, specials) {
  const texts = Object.entries(edgeCases).map(([name, text]) => ({ name, text }));
  // The tokenizer's own special tokens inside ordinary text.
  if (specials.length > 0) {
    texts.push({ name: 'special tokens in text', text: `${specials[0]}user\nhi there${specials[specials.length - 1]}\n${specials.join(' x ')}` });
  }
  for (const [file, from, to] of dataCases) {
    texts.push({ name: `${file}:${from}-${to}`, source: { file, from, to } });
  }

  const result = [];
  for (const c of texts) {
    const text = c.text ?? slice(c.source.file, c.source.from, c.source.to);
    const withSpecial = await tokenizer.encode(text, null, { addSpecialTokens: true });
    const without = await tokenizer.encode(text, null, { addSpecialTokens: false });
    const ids = withSpecial.getIds();
    result.push({
      name: c.name,
      ...(c.source ? { source: c.source } : { text }),
      sha256: sha256(text),
      ids,
      idsWithoutSpecialTokens: without.getIds(),
      decoded: await tokenizer.decode(ids, false),
      decodedSkippingSpecialTokens: await tokenizer.decode(ids, true),
    });
  }
  return result;
}

async function fixture(path, label) {
  const tokenizer = Tokenizer.fromFile(path);
  const json = JSON.parse(readFileSync(path, 'utf8'));
  const specials = (json.added_tokens ?? []).filter(t => t.special).map(t => t.content);
  const size = tokenizer.getVocabSize(true);
  const maxId = Object.values(tokenizer.getVocab(true)).reduce((a, b) => Math.max(a, b), 0);
  // Ids the model may emit: the last real ones, ids past the vocabulary (a real output layer's padding rows), mixed with text.
  const anyIds = [[maxId, maxId + 1, maxId + 267, 0, 5], [maxId + 3, maxId + 4], [...(await tokenizer.encode('Hi there', null, { addSpecialTokens: false })).getIds(), maxId + 2, 1]];
  const decodings = [];
  for (const ids of anyIds) {
    decodings.push({ ids, decoded: await tokenizer.decode(ids, false), decodedSkippingSpecialTokens: await tokenizer.decode(ids, true) });
  }
  return { tokenizer: label, reference: `tokenizers@${version} (npm, Hugging Face tokenizers' Rust core)`, vocabSize: size, cases: await cases(tokenizer, specials), decodings };
}

const targets = [];
for (const model of readdirSync(join(shared, 'models')).sort()) {
  for (const sub of ['', 'vocab1000']) {
    const path = join(shared, 'models', model, sub, 'tokenizer.json');
    if (existsSync(path)) targets.push([path, `shared:models/${model}${sub ? '/' + sub : ''}/tokenizer.json`, `${model}${sub ? '-' + sub : ''}`]);
  }
}
for (const file of readdirSync(fixtures).filter(f => f.endsWith('.tokenizer.json')).sort()) {
  targets.push([join(fixtures, file), `fixture:${file}`, file.replace('.tokenizer.json', '')]);
}

for (const [path, label, name] of targets) {
  const out = join(fixtures, `${name}.expected.json`);
  const f = await fixture(path, label);
  // One case a line: diffs stay readable and the files small.
  const lines = list => list.map(item => '  ' + JSON.stringify(item)).join(',\n');
  writeFileSync(out, `{\n "tokenizer": ${JSON.stringify(f.tokenizer)},\n "reference": ${JSON.stringify(f.reference)},\n "vocabSize": ${f.vocabSize},\n "cases": [\n${lines(f.cases)}\n ],\n "decodings": [\n${lines(f.decodings)}\n ]\n}\n`);
  console.log(`${relative(repo, out)}: ${label}`);
}
