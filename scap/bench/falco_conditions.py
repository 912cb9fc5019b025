#!/usr/bin/env python3
"""Expands the lists and macros of a Falco rules file into one plain condition per enabled rule,
printing `name<TAB>condition` lines: what `sysdig -r FILE COND` can take (sysdig loads no rules
files). Needs PyYAML."""
import re, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
lists, macros, rules = {}, {}, []
for item in doc:
    if 'list' in item:
        lists[item['list']] = list(item.get('items') or [])
    elif 'macro' in item:
        macros[item['macro']] = item['condition']
    elif 'rule' in item and 'condition' in item:
        if item.get('enabled', True):
            rules.append((item['rule'], item['condition']))
def items(name, seen=()):
    out = []
    for i in lists[name]:
        if isinstance(i, str) and i in lists and i not in seen:
            out += items(i, seen + (name,))
        else:
            out.append(i)
    return out
def quote(v):
    v = str(v)
    if v.startswith('"') or v.startswith("'"):
        return v
    if re.fullmatch(r'[A-Za-z0-9_./:*\-+@~]+', v):
        return v
    return '"' + v.replace('"', '\\"') + '"'
WORD = re.compile(r'(?<![\w./\-])([A-Za-z_][A-Za-z0-9_]*)(?![\w./\-])')
QUOTED = re.compile(r'("(?:[^"\\]|\\.)*"|\'[^\']*\')')
def expand(cond, depth=0):
    parts = QUOTED.split(cond)
    for k in range(0, len(parts), 2):
        def sub(m):
            w = m.group(1)
            if w in macros and depth < 50:
                return '(' + expand(macros[w], depth + 1) + ')'
            if w in lists:
                return ', '.join(quote(i) for i in items(w)) or '""'
            return w
        parts[k] = WORD.sub(sub, parts[k])
    return ''.join(parts)
for name, cond in rules:
    print(name + '\t' + ' '.join(expand(cond).split()))
