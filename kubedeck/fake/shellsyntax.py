"""Shell syntax for the simulated container shell: a line split into pipelines at
`;`, `&&`, `||` and `|` (quotes respected), `$VAR` expansion outside single quotes, and
words by shlex (redirection operators as their own words)."""

from __future__ import annotations

import shlex

_OPERATORS = ("&&", "||", ";", "|")


def split_line(line: str) -> list[tuple[list[str], str]]:
    """A line as pipelines, each with the operator before it (";" for the first): quotes and
    backslashes protect operators, a "#" at a word start begins a comment."""
    out: list[tuple[list[str], str]] = []
    pipeline: list[str] = []
    current, quote, op_before, i = "", "", ";", 0
    while i < len(line):
        ch = line[i]
        if quote:
            current += ch
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"' and i + 1 < len(line):
                current += line[i + 1]
                i += 1
        elif ch in "'\"":
            quote, current = ch, current + ch
        elif ch == "\\" and i + 1 < len(line):
            current += line[i:i + 2]
            i += 1
        elif ch == "#" and (not current or current[-1].isspace()):
            break
        else:
            op = next((o for o in _OPERATORS if line.startswith(o, i)), None)
            if op is None:
                current += ch
                i += 1
                continue
            pipeline.append(current)
            current = ""
            if op != "|":
                out.append((pipeline, op_before))
                pipeline, op_before = [], op
            i += len(op)
            continue
        i += 1
    pipeline.append(current)
    out.append((pipeline, op_before))
    return [(p, op) for p, op in out if any(c.strip() for c in p)]


def expand(text: str, variables: dict[str, str]) -> str:
    """$NAME, ${NAME}, $?, $0 and $$ outside single quotes, each value quoted so it stays
    one word."""
    out, quote, i = [], "", 0
    while i < len(text):
        ch = text[i]
        if ch == "'" and quote != '"':
            quote = "" if quote == "'" else "'"
        elif ch == '"' and quote != "'":
            quote = "" if quote == '"' else '"'
        elif ch == "\\" and quote != "'" and i + 1 < len(text):
            out.append(text[i:i + 2])
            i += 2
            continue
        elif ch == "$" and quote != "'" and i + 1 < len(text):
            name, end = _variable(text, i + 1)
            if name is not None:
                value = variables.get(name, "")
                if quote == '"':
                    out.append("".join("\\" + c if c in '"\\$`' else c for c in value))
                elif value:
                    out.append(shlex.quote(value))
                i = end
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _variable(text: str, start: int) -> tuple[str | None, int]:
    ch = text[start]
    if ch in "?$#" or ch.isdigit():
        return {"?": "?", "$": "$", "#": "#"}.get(ch, ch), start + 1
    if ch == "{":
        end = text.find("}", start)
        return (text[start + 1:end], end + 1) if end > 0 else (None, start)
    end = start
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return (text[start:end], end) if end > start else (None, start)


def split_words(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars="<>&")
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:  # an unterminated quote: take the text as it stands
        return text.split()
