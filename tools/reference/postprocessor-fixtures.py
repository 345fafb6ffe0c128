"""Expected outputs of OpenCompass's answer postprocessors, computed by OpenCompass's own functions.

Usage:
    python3 tools/reference/postprocessor-fixtures.py OPENCOMPASS_CHECKOUT \
        > tests/EvalTests.Core.Tests/Scoring/Fixtures/postprocessors.expected.json

OPENCOMPASS_CHECKOUT is a clone of https://github.com/open-compass/opencompass (any tag from v0.3.6 on has the
first_option_postprocess these fixtures were made with; the fixture names the files it read and their SHA-256). No
OpenCompass code is kept in this repository: the functions are read from the checkout with `ast` (only the named
top-level functions and Gsm8kEvaluator.is_equal, with their decorators dropped), so neither OpenCompass's dependencies
nor its registry are needed. Python's own int() and float() give the expected values of EvalTests' PythonNumber.
"""

import ast
import hashlib
import json
import re
import sys
from pathlib import Path

WANTED = {
    'opencompass/utils/text_postprocessors.py': [
        'first_capital_postprocess', 'last_capital_postprocess', 'first_capital_postprocess_multi',
        'multiple_select_postprocess', 'first_option_postprocess', 'last_option_postprocess', 'match_answer_pattern',
    ],
    'opencompass/datasets/gsm8k.py': ['gsm8k_postprocess', 'gsm8k_dataset_postprocess', 'Gsm8kEvaluator.is_equal'],
}


def load(root):
    namespace = {'re': re}
    sources = []
    for relative, names in WANTED.items():
        text = (root / relative).read_text(encoding='utf-8')
        sources.append({'file': relative, 'sha256': hashlib.sha256(text.encode('utf-8')).hexdigest()})
        tree = ast.parse(text)
        for name in names:
            owner, _, member = name.rpartition('.')
            scope = tree.body
            if owner:
                scope = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner).body
            node = next(n for n in scope if isinstance(n, ast.FunctionDef) and n.name == (member or name))
            node.decorator_list = []
            module = ast.Module(body=[node], type_ignores=[])
            exec(compile(module, relative, 'exec'), namespace)
            if owner:
                method = namespace.pop(member)
                namespace[name] = lambda *args, _m=method: _m(None, *args)
    return namespace, sources


# Model outputs: upstream's own test inputs first, then cases derived from the functions' source (each regex of
# first_option_postprocess, the fused pattern that a missing comma made, group(1) vs group(0), strip(), DOTALL,
# Python's isupper() and Unicode digits, whitespace and word characters).
OUTPUTS = [
    '答案是 B', "Answer: Let's think step by step. Therefore, B.", 'abCDef', 'abcdef', 'A then C then B', 'bA D C',
    'Final answer: 123',
    '', '   ', 'C', ' D ', 'The answer is C', 'the answer is: (B)', 'The answer is **D**', 'The correct answer is option A',
    'The correct answer is $\\boxed{C}$', 'The correct option is \\boxed{B}.', 'ANSWER: C\nbecause A is wrong',
    'answer : d', '答案：C', '答案: D', '答案选项应该是B', '答案选项为 (**C**)', '答案应选A', '故选C只有选项B是对',
    '故选C', '只有选项B是对的', '只有选项D错误', '说法不正确的是 A', 'C是正确的', 'B 是正确答案', '选项 D 正确', '所以答A',
    '所以C。', '综上所述，B', '因此D.', '显然A', '答案是不确定的。', '答案为ABCD', '选项A是错的，所以选B', '^选项C',
    'A 选项正确', '1. B', '1. 我认为是C', 'B:', 'none of these', '他选择了A\n但后来改为C', 'ⅣⅢ answer', 'Ⓑ is circled',
    'ß ǅ ǈ', '\x1c B \x1f', '\u3000答案是\u3000C\u3000', 'E is right, not A', '答案: ＡＢ', '答案:\n\n**B**',
    '第一步……\n答案: C', '答案 : [B]', '答案：B', 'answer is e', '１８ apples', 'He has 18 apples. Question: 20?',
    'The total is -3.5 dollars, then 4', '١٢ and ٣٤', 'No numbers here.', '1,234 people', '＃＃＃＃ ８',
    '思考中...\n答案: **D**。', 'Rating: [[８]]', '<think>A?</think> 答案: B',
]

POSTPROCESSORS = [
    ('first_capital', 'first_capital_postprocess', {}),
    ('last_capital', 'last_capital_postprocess', {}),
    ('first_capital_multi', 'first_capital_postprocess_multi', {}),
    ('multiple_select', 'multiple_select_postprocess', {}),
    ('first_option', 'first_option_postprocess', {'options': 'ABCD'}),
    ('first_option:options=ABCDE', 'first_option_postprocess', {'options': 'ABCDE'}),
    ('first_option:options=ABCDEFGHIJKLMNOP', 'first_option_postprocess', {'options': 'ABCDEFGHIJKLMNOP'}),
    ('first_option:options=ABCD,cushion=false', 'first_option_postprocess', {'options': 'ABCD', 'cushion': False}),
    ('last_option:options=ABCD', 'last_option_postprocess', {'options': 'ABCD'}),
    ('last_option:options=ABC', 'last_option_postprocess', {'options': 'ABC'}),
    ('gsm8k', 'gsm8k_postprocess', {}),
]

# Python patterns: cmmlu_0shot_cot_gen_305931's, upstream's test pattern, and patterns whose \w, \b, \s, {,n},
# named groups or \Z mean something else in .NET.
PATTERNS = [
    r'(?i)答案\s*:\s*[\W]*([A-D])[\W]*', r'answer: (\d+)', r'(?i)answer\s*[:：]\s*\**([A-E])', r'\b([A-D])\b',
    r'(\w+)$', r'\s(\S)\s', r'(?P<x>[A-D])(?P=x)', r'([A-D]{,2})\Z', r'(\d+)', r'([^\w\s]+)',
]

INTEGERS = ['8', '８', ' 12 ', '-7', '+3', '١٢', '1_000', '1__0', '_1', '1_', '3.0', '', 'x', '٣\u3000', '\x1c5\x1f', '๓๔', '²']
FLOATS = ['8.5', '８.５', '1e3', '1E-2', '.5', '5.', '-0.0', 'inf', '-Infinity', 'nan', '+inf', '1_0.5', '1,5', '0x10', '',
          '.', 'e5', '１８', '12.5.1', '  3.25\n', '∞', 'Infinity', 'infinit']
EQUALITY = [('18', '18'), ('18.0', '18'), ('１８', '18'), ('18', '１８'), ('18.0000001', '18'), ('18.5', '18'),
            ('NULL', '18'), ('', '18'), ('18', '18.0'), ('1_8', '18'), (' 18 ', '18'), ('-3', '-3'), ('inf', '18')]


def main():
    root = Path(sys.argv[1])
    fns, sources = load(root)
    cases = []
    for spec, function, kwargs in POSTPROCESSORS:
        for text in OUTPUTS:
            cases.append({'postprocessor': spec, 'input': text, 'expected': fns[function](text, **kwargs)})
    for pattern in PATTERNS:
        spec = 'match_answer_pattern:answer_pattern=' + pattern
        for text in OUTPUTS:
            cases.append({'postprocessor': spec, 'input': text, 'expected': fns['match_answer_pattern'](text, pattern)})
    for text in OUTPUTS:
        if '#### ' in text:
            cases.append({'postprocessor': 'gsm8k_dataset', 'input': text, 'expected': fns['gsm8k_dataset_postprocess'](text)})
    for text in ['Natalia sold 48/2 = 24 clips.\n#### 72', 'x #### 1,234', 'a #### 5 #### 6', '#### ８']:
        cases.append({'postprocessor': 'gsm8k_dataset', 'input': text, 'expected': fns['gsm8k_dataset_postprocess'](text)})

    def python(parse, text):
        try:
            value = parse(text)
        except ValueError:
            return None
        return repr(value) if isinstance(value, float) else value

    json.dump({
        'generator': 'tools/reference/postprocessor-fixtures.py',
        'sources': sources,
        'python': sys.version.split()[0],
        'postprocessors': cases,
        'numericEquality': [{'prediction': p, 'reference': r, 'expected': fns['Gsm8kEvaluator.is_equal'](p, r)} for p, r in EQUALITY],
        'int': [{'input': t, 'expected': python(int, t)} for t in INTEGERS],
        'float': [{'input': t, 'expected': python(float, t)} for t in FLOATS],
    }, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
