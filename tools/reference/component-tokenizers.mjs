// Writes the small tokenizer.json files whose components the parity fixtures exercise (inputs, not expected values:
// the expected ids come from Hugging Face tokenizers in tokenizer-fixtures.mjs). Deterministic; run from this folder:
//   node component-tokenizers.mjs
import { writeFileSync } from 'node:fs';

const out = new URL('../../tests/EvalTests.Onnx.Tests/Tokenization/Fixtures/', import.meta.url);

// GPT-2's bytes_to_unicode.
function byteLevelAlphabet() {
  const chars = [];
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    chars.push(String.fromCodePoint(printable ? b : next++));
  }
  return chars;
}

// A vocabulary: the base symbols, then every merge's result in merge order.
function bpe(base, merges, extra = {}) {
  const vocab = {};
  for (const s of base) if (!(s in vocab)) vocab[s] = Object.keys(vocab).length;
  for (const [a, b] of merges) {
    const merged = a + b.replace(extra.continuing_subword_prefix ?? '\u0000', '');
    if (!(merged in vocab)) vocab[merged] = Object.keys(vocab).length;
  }
  return {
    type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
    fuse_unk: false, byte_fallback: false, ignore_merges: false, ...extra, vocab, merges,
  };
}

const added = (id, content, o = {}) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true, ...o });

function write(name, tokenizer) {
  writeFileSync(new URL(name, out), JSON.stringify({ version: '1.0', truncation: null, padding: null, ...tokenizer }, null, 1) + '\n');
}

// 1. Llama 3 style: Split with Llama 3's regex + ByteLevel without its regex, ignore_merges, a TemplateProcessing BOS.
{
  const G = 'Ġ';
  const merges = [[G, 't'], ['h', 'e'], [G + 't', 'he'], ['i', 'n'], [G, 'a'], ['e', 'r'], ['o', 'n'], [G, G], [G + G, G + G], ['r', 'e'],
    ['a', 'n'], [G, 's'], ['o', 'r'], [G, 'w'], ['i', 's'], [G + 'w', 'or'], ['l', 'd'], [G + 'wor', 'ld'], ['1', '2'], ['12', '3'], ['ä', '¸'], ['Ċ', 'Ċ']];
  const model = bpe(byteLevelAlphabet(), merges, { ignore_merges: true });
  // A whole word in the vocabulary that its merges would not reach: ignore_merges must take it as it is.
  model.vocab['Ġhello'] = Object.keys(model.vocab).length;
  const n = Object.keys(model.vocab).length;
  write('llama3-style.tokenizer.json', {
    added_tokens: [added(n, '<|begin_of_text|>'), added(n + 1, '<|end_of_text|>'), added(n + 2, '<|eot_id|>')],
    normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false }] },
    post_processor: { type: 'Sequence', processors: [
      { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      { type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<|begin_of_text|>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [n], tokens: ['<|begin_of_text|>'] } } }] },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model,
  });
}

// 2. SentencePiece style: Metaspace (prepend first, split), byte fallback, fused unknowns, added tokens with lstrip/rstrip/single_word/normalized.
{
  const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const base = ['<unk>', '<s>', '</s>', ...bytes, '▁', 'a', 'b', 'c', 'd', 'e', 'h', 'i', 'l', 'n', 'o', 'r', 's', 't', 'w', 'T', '中', '文', '.', ','];
  const merges = [['▁', 't'], ['h', 'e'], ['▁t', 'he'], ['i', 'n'], ['▁', 'a'], ['e', 'r'], ['o', 'n'], ['▁', 's'], ['r', 'e'], ['l', 'o'], ['▁', 'w'], ['h', 'i'], ['▁', 'T'], ['▁T', 'he'], ['中', '文'], ['▁', '中文']];
  const model = bpe(base, merges, { unk_token: '<unk>', fuse_unk: true, byte_fallback: true });
  const n = Object.keys(model.vocab).length;
  write('metaspace-bytefallback.tokenizer.json', {
    added_tokens: [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>'),
      added(n, '<mask>', { lstrip: true }), added(n + 1, '<sep>', { rstrip: true }), added(n + 2, 'hello', { single_word: true, special: false }),
      added(n + 3, 'World', { normalized: true, special: false })],
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true },
    post_processor: { type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] }, '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } } },
    decoder: { type: 'Sequence', decoders: [{ type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true }] },
    model,
  });
}

// 3. Gemma style: a Replace normalizer (space to ▁) after NFKC, no pre-tokenizer but Digits and Punctuation splits, byte fallback,
//    and the decoder chain of Llama 2's tokenizer.json (Replace, ByteFallback, Fuse, Strip).
{
  const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const base = ['<pad>', '<eos>', '<bos>', '<unk>', ...bytes, '▁', ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:;!?-()'];
  const merges = [['▁', 't'], ['h', 'e'], ['▁t', 'he'], ['i', 'n'], ['▁', 'a'], ['e', 'r'], ['▁', '▁'], ['▁▁', '▁▁'], ['o', 'n'], ['▁', 'i'], ['▁i', 's'], ['a', 'n'], ['▁', 'c'], ['▁c', 'a']];
  const model = bpe(base, merges, { unk_token: '<unk>', byte_fallback: true });
  write('replace-digits.tokenizer.json', {
    added_tokens: [added(0, '<pad>'), added(1, '<eos>'), added(2, '<bos>'), added(3, '<unk>')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Digits', individual_digits: true },
      { type: 'Punctuation', behavior: 'Isolated' },
      { type: 'Split', pattern: { String: '▁' }, behavior: 'MergedWithNext', invert: false }] },
    post_processor: { type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<bos>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<bos>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<bos>': { id: '<bos>', ids: [2], tokens: ['<bos>'] } } },
    decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
    model,
  });
}

// 4. RoBERTa style: NFD + StripAccents + Lowercase + Strip, Whitespace splitting merged with ByteLevel (prefix space), Roberta's cls/sep,
//    digit runs kept together, a regex Replace, and contiguous punctuation.
{
  const G = 'Ġ';
  const merges = [[G, 't'], ['h', 'e'], [G + 't', 'he'], ['i', 'n'], [G, 'a'], ['e', 'r'], ['o', 'n'], ['1', '2'], ['e', 's'], [G, 'c']];
  const model = bpe(byteLevelAlphabet(), merges);
  const n = Object.keys(model.vocab).length;
  write('roberta-style.tokenizer.json', {
    added_tokens: [added(n, '<cls>'), added(n + 1, '<sep>'), added(n + 2, '<mask>', { lstrip: true })],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }, { type: 'Lowercase' },
      { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Strip', strip_left: true, strip_right: true }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'WhitespaceSplit' },
      { type: 'Digits', individual_digits: false },
      { type: 'Punctuation', behavior: 'Contiguous' },
      { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true }] },
    post_processor: { type: 'RobertaProcessing', sep: ['<sep>', n + 1], cls: ['<cls>', n], trim_offsets: true, add_prefix_space: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model,
  });
}

// 5. Whitespace + Split(Removed / MergedWithPrevious, inverted) + Prepend + NFKD, a BertProcessing pair.
{
  const base = ['[UNK]', '[CLS]', '[SEP]', '▁', ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:;!?-()\'"', '##a', '##b'];
  const merges = [['t', 'h'], ['th', 'e'], ['i', 'n'], ['a', 'n'], ['▁', 't'], ['o', 'n']];
  const model = bpe(base, merges, { unk_token: '[UNK]', fuse_unk: false });
  write('whitespace-split.tokenizer.json', {
    added_tokens: [added(0, '[UNK]'), added(1, '[CLS]'), added(2, '[SEP]')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKD' }, { type: 'Prepend', prepend: '▁' }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Whitespace' },
      { type: 'Split', pattern: { Regex: '[aeiou]' }, behavior: 'MergedWithPrevious', invert: false },
      { type: 'Split', pattern: { String: 'x' }, behavior: 'Removed', invert: false },
      { type: 'Split', pattern: { Regex: '[0-9]+' }, behavior: 'Isolated', invert: true }] },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 2], cls: ['[CLS]', 1] },
    decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { Regex: '▁+' }, content: ' ' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
    model,
  });
}
