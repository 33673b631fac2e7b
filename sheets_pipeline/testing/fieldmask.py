"""Field masks, as Google parses them.

The same syntax serves two purposes:
- the `fields` query parameter, which trims a response (``sheets.properties.title``,
  ``sheets(properties(sheetId,title)),namedRanges``, ``sheets/data/rowData/values/note``);
- the `fields` member of update requests, which says which members to copy
  (``userEnteredFormat(backgroundColor,textFormat)``, ``gridProperties/rowCount``, ``*``).
Both ``.`` and ``/`` separate path steps, parentheses group sub-selections.
"""

from __future__ import annotations

from typing import Any

Tree = dict[str, Any]  # name -> Tree, or True for "everything below"


class MaskError(ValueError):
    pass


def parse(mask: str, spaces: bool = False) -> Tree:
    """'a,b(c,d/e),f.g' -> {'a': True, 'b': {'c': True, 'd': {'e': True}}, 'f': {'g': True}}.

    Spaces are part of names unless `spaces` (Drive tolerates 'id, name'; the Sheets parser does not, and
    then reports the path ' name' as unknown)."""
    if spaces:
        mask = mask.replace(" ", "")
    tree: Tree = {}
    pos = _parse_list(mask, 0, tree, top=True)
    if pos != len(mask):
        raise MaskError(mask)
    return tree


def _parse_list(text: str, pos: int, into: Tree, top: bool) -> int:
    while True:
        pos = _parse_item(text, pos, into)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        if not top and pos < len(text) and text[pos] == ")":
            return pos
        return pos


def _parse_item(text: str, pos: int, into: Tree) -> int:
    names: list[str] = []
    while True:
        start = pos
        while pos < len(text) and text[pos] not in ",()./":
            pos += 1
        if pos == start:
            raise MaskError(text)
        names.append(text[start:pos])
        if pos < len(text) and text[pos] in "./":
            pos += 1
            continue
        break
    node = into
    for name in names[:-1]:
        child = node.get(name)
        if child is True:
            return _skip_group(text, pos)
        node = node.setdefault(name, {})
    last = names[-1]
    if pos < len(text) and text[pos] == "(":
        child = node.get(last)
        if child is True:
            return _skip_group(text, pos)
        sub = node.setdefault(last, {})
        pos = _parse_list(text, pos + 1, sub, top=False)
        if pos >= len(text) or text[pos] != ")":
            raise MaskError(text)
        return pos + 1
    node[last] = True
    return pos


def _skip_group(text: str, pos: int) -> int:
    if pos < len(text) and text[pos] == "(":
        depth = 0
        while pos < len(text):
            if text[pos] == "(":
                depth += 1
            elif text[pos] == ")":
                depth -= 1
                if depth == 0:
                    return pos + 1
            pos += 1
        raise MaskError(text)
    return pos


def apply(obj: Any, tree: Tree | bool) -> Any:
    """Keep only the selected members. Messages that exist stay (possibly as {}), as Google does."""
    if tree is True:
        return obj
    if isinstance(obj, list):
        return [apply(item, tree) for item in obj]
    if not isinstance(obj, dict):
        return obj
    if "*" in tree:
        return obj if tree["*"] is True else {k: apply(v, tree["*"]) for k, v in obj.items()}
    out = {}
    for name, sub in tree.items():
        if name in obj:
            out[name] = apply(obj[name], sub)
    return out


def paths(mask: str, spaces: bool = False) -> list[tuple[str, ...]]:
    """'userEnteredFormat(backgroundColor,textFormat),note' -> [('userEnteredFormat','backgroundColor'), ...]."""
    out: list[tuple[str, ...]] = []

    def walk(node: Tree, prefix: tuple[str, ...]) -> None:
        for name, sub in node.items():
            if sub is True:
                out.append(prefix + (name,))
            else:
                walk(sub, prefix + (name,))

    walk(parse(mask, spaces), ())
    return out


def wants(tree: Tree | bool | None, *names: str) -> Tree | bool | None:
    """The sub-tree selected below `names` (True: everything; None: nothing). A missing tree selects everything."""
    node: Tree | bool | None = True if tree is None else tree
    for name in names:
        if node is True:
            return True
        if not isinstance(node, dict):
            return None
        if "*" in node:
            node = node["*"]
            continue
        if name not in node:
            return None
        node = node[name]
    return node


def update(target: dict | None, source: dict | None, mask_paths: list[tuple[str, ...]]) -> dict:
    """Copy the masked members of `source` into a copy of `target`; a member absent in source is cleared.

    Copy-on-write: only the dicts along a masked path are copied, the rest is shared with `target` (stored
    cells are never mutated in place, so sharing is safe and keeps a 10,000-row write fast). Values taken
    from `source` are shared too: the source is the parsed request, owned by the caller."""
    result = dict(target) if target else {}
    source = source or {}
    for path in mask_paths:
        if path == ("*",):
            return dict(source)
        _copy_path(result, source, path)
    return result


def _copy_path(target: dict, source: dict, path: tuple[str, ...]) -> None:
    src: Any = source
    for name in path:
        if isinstance(src, dict) and name in src and src[name] is not None:
            src = src[name]
        else:
            src = _MISSING
            break
    node = target
    for name in path[:-1]:
        nxt = node.get(name)
        if not isinstance(nxt, dict):
            if src is _MISSING:
                return
            nxt = {}
        else:
            nxt = dict(nxt)  # copy on write: the old dict may be shared with a stored cell
        node[name] = nxt
        node = nxt
    if src is _MISSING:
        node.pop(path[-1], None)
    elif path[-1] == "*" and isinstance(src, dict):
        node.clear()
        node.update(src)
    else:
        node[path[-1]] = src
    _prune_empty(target, path[:-1])


def _prune_empty(target: dict, path: tuple[str, ...]) -> None:
    """Remove dicts left empty by clearing (a cleared format leaves no '{}' behind)."""
    chain = [target]
    for name in path:
        nxt = chain[-1].get(name)
        if not isinstance(nxt, dict):
            return
        chain.append(nxt)
    for i in range(len(path), 0, -1):
        if chain[i] == {}:
            chain[i - 1].pop(path[i - 1], None)
        else:
            break


class _Missing:
    pass


_MISSING = _Missing()
