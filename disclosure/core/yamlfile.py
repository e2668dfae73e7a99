"""The one way this project reads YAML: safe, with alias expansion and nesting bounded.

``report.yaml``, ``disclosures.yaml`` and a user's factor datasets are written by users, and YAML
lets a short text stand for an enormous one: anchors and aliases (``a1: &a1 [*a0, *a0, …]``, eight
levels of nine aliases are 387 million nodes), an alias inside its own anchor (``zz: &a [*a]``, a
list that holds itself) or brackets nested a thousand deep (Python's recursion limit). :func:`load`
composes the document once, measures the node graph before anything is built from it (without
expanding an alias) and refuses, within milliseconds, a document

- nested deeper than :data:`MAX_DEPTH` levels (aliases counted as their expansion),
- holding an alias inside its own anchor, or
- whose aliases stand for more than :data:`MAX_ALIASED` nodes beyond those written.

The package's own data files (the vocabulary, the codes, the labels, the shipped factor datasets)
are read by :func:`load_package`: the same safe schema, parsed by libyaml where PyYAML has it (the
pure-Python parser spent about a second of every run on them); they are ours, so the bounds are not
needed, and a test reads each of them through both functions and compares. Problems come back as :class:`YamlError` (a reason and the line), which the callers turn into
their issues (``report-syntax``, ``disclosures-syntax``, ``factor-dataset-invalid``).
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_DEPTH = 64            # levels of nesting: report.yaml needs 3, disclosures.yaml 5, a dataset 4
MAX_ALIASED = 100_000     # nodes that aliases may add to those written out


class YamlError(Exception):
    """A YAML text that cannot be read, or is refused: ``reason`` (English, from the YAML parser
    or from the bounds above) and the 1-based ``line`` (None when unknown)."""

    def __init__(self, reason: str, line: int | None = None):
        super().__init__(reason)
        self.reason, self.line = reason, line


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, its composer bounded in depth (the composer recurses per level)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlError(f"nested deeper than {MAX_DEPTH} levels", mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _measure(root: yaml.Node) -> None:
    """Depth and size of the document as it would be built, aliases expanded, computed over the
    graph of distinct nodes (each visited once, without recursion); raises :class:`YamlError`."""
    written = _distinct(root)
    budget = written + MAX_ALIASED
    size: dict[int, int] = {}     # id(node) → nodes of its expansion, itself included
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            kids = _children(node)
            on_path.discard(key)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if depth[key] > MAX_DEPTH:
                raise YamlError(f"nested deeper than {MAX_DEPTH} levels (aliases expanded)",
                                node.start_mark.line + 1)
            if size[key] > budget:   # the first node (innermost) whose expansion alone is too much
                raise YamlError(f"the aliases here expand to {size[key]:,} nodes, from {written:,} written "
                                f"(at most {MAX_ALIASED:,} more are read)", node.start_mark.line + 1)
            continue
        if key in size:
            continue
        if key in on_path:   # reached again below itself: an alias inside its own anchor
            raise YamlError("an alias refers to the anchor it is inside (the document holds itself)",
                            node.start_mark.line + 1)
        on_path.add(key)
        stack.append((node, True))
        for k in _children(node):
            kid = id(k)
            if kid in on_path:
                raise YamlError("an alias refers to the anchor it is inside (the document holds itself)",
                                k.start_mark.line + 1)
            if kid not in size:
                stack.append((k, False))


def _distinct(root: yaml.Node) -> int:
    """The nodes written (each alias counted once, as its anchor): a walk without recursion."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(k for k in _children(node) if id(k) not in seen)
    return len(seen)


def lines_of(node: yaml.Node | None, prefix: str = "") -> dict[str, int]:
    """Dotted path → line of its key (list items numbered from 1, at the line of the item): where an
    issue about a YAML value points."""
    out: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            path = f"{prefix}{k.value}"
            out[path] = k.start_mark.line + 1
            out.update(lines_of(v, path + "."))
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value, 1):
            path = f"{prefix}{i}"
            out[path] = v.start_mark.line + 1
            out.update(lines_of(v, path + "."))
    return out


def load_node(text: str) -> tuple[Any, yaml.Node | None]:
    """The document's data and its node (None for an empty document), bounded as the module says;
    raises :class:`YamlError`."""
    try:
        loader = _Loader(text)   # its reader refuses characters YAML does not allow (a NUL) here already
    except yaml.YAMLError as e:
        raise YamlError(str(e).split("\n")[0], _line_at(text, getattr(e, "position", None))) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _measure(node)
        return loader.construct_document(node), node
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        raise YamlError(str(e).split("\n")[0], mark.line + 1 if mark else None) from None
    except RecursionError:   # not reachable within the bounds above; kept as the last guard
        raise YamlError(f"nested deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


def _line_at(text: str, position: int | None) -> int | None:
    """The 1-based line of a character position of ``text`` (None when unknown)."""
    return None if position is None else text.count("\n", 0, position) + 1


def load(text: str) -> tuple[Any, dict[str, int]]:
    """The document's data (None when empty) and the line of each dotted path (:func:`lines_of`)."""
    data, node = load_node(text)
    return data, lines_of(node)


def load_data(text: str) -> Any:
    """The document's data only (a user's factor dataset)."""
    return load_node(text)[0]


def load_package(text: str) -> Any:
    """The data of one of the package's own YAML files: PyYAML's safe schema, its C parser when
    PyYAML was built with libyaml (the pure-Python one otherwise); raises :class:`YamlError`."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        raise YamlError(str(e).split("\n")[0], mark.line + 1 if mark else None) from None


__all__ = ["MAX_ALIASED", "MAX_DEPTH", "YamlError", "lines_of", "load", "load_data", "load_node", "load_package"]
