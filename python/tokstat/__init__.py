"""tokstat: exact statistics of how tokenizers treat code and languages, from Python.

Every function runs the tokstat library (Rust) with the GIL released. Reports are the dicts the
command line prints with ``--format json``. Comparisons and parity measurements can be split:
build one :class:`Partial` (or :class:`ParityPartial`) per shard, serialise it with
``to_bytes()``, merge the states in any order and call ``finish()`` once; the report equals the
single-process one exactly (see ``tokstat.spark`` for a PySpark job). The corpus use of
``tokstat vocab --corpus`` splits the same way (:class:`VocabPartial`).

Errors raise :class:`TokstatError` (a ``ValueError``) with the command line's message.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _tokstat
from ._tokstat import TokstatError

__all__ = [
    "Encoding",
    "Partial",
    "ParityPartial",
    "TokstatError",
    "VocabPartial",
    "budget",
    "compare",
    "encode",
    "parity",
    "plan",
    "vocab",
    "vocab_plan",
]

PathLike = Union[str, "os.PathLike[str]"]
Texts = Union[Sequence[str], Mapping[str, str]]


class Encoding:
    """The tokens of one text: ``ids``, ``tokens`` (as the vocabulary spells them) and
    ``offsets`` (``[start, end)`` byte offsets into the UTF-8 text)."""

    __slots__ = ("ids", "tokens", "offsets")

    def __init__(self, ids: List[int], tokens: List[str], offsets: List[Tuple[int, int]]):
        self.ids = ids
        self.tokens = tokens
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"Encoding({len(self.ids)} tokens: {self.tokens[:8]!r}{'…' if len(self) > 8 else ''})"


def encode(text: str, tokenizer: str = "modernbert", add_special_tokens: bool = False) -> Encoding:
    """Encodes ``text`` with one tokenizer (bundled name, alias or ``tokenizer.json`` path)."""
    return Encoding(*_tokstat.encode(text, tokenizer, add_special_tokens))


def _names(texts: Texts) -> List[Tuple[str, str]]:
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings or a {name: text} mapping, not one string")
    if isinstance(texts, Mapping):
        return [(str(k), v) for k, v in texts.items()]
    return [(f"<text {i}>", t) for i, t in enumerate(texts)]


def _paths(paths: Union[PathLike, Iterable[PathLike]]) -> List[str]:
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]


def compare(
    paths: Union[PathLike, Iterable[PathLike], None] = None,
    *,
    texts: Optional[Texts] = None,
    tokenizers: Optional[Sequence[str]] = None,
    lang: Optional[str] = None,
    lossy: bool = False,
    no_ignore: bool = False,
    strict: bool = False,
) -> Dict[str, Any]:
    """``tokstat compare``: files and directories (``paths``) or in-memory ``texts`` (a list, or
    a ``{name: text}`` mapping whose names give the language by extension), under several
    tokenizers. Returns the dict of ``tokstat compare --format json``."""
    if (paths is None) == (texts is None):
        raise TypeError("give either paths or texts")
    if paths is not None:
        return json.loads(
            _tokstat.compare_paths(_paths(paths), _list(tokenizers), lang, lossy, no_ignore, strict)
        )
    p = Partial(tokenizers=tokenizers, lang=lang, lossy=lossy)
    p.update(texts)
    return p.finish()


def _list(xs: Optional[Sequence[str]]) -> Optional[List[str]]:
    if isinstance(xs, str):
        return [xs]
    return None if xs is None else list(xs)


def plan(paths: Union[PathLike, Iterable[PathLike]], no_ignore: bool = False) -> List[str]:
    """Walks ``paths`` as ``tokstat compare`` does and returns every entry (JSON text with its
    position in the walk). Hand any split of the list to :meth:`Partial.update_planned`: merged,
    the states give exactly the report of one run over ``paths``."""
    return _tokstat.plan(_paths(paths), no_ignore)


class Partial:
    """The mergeable state of a comparison.

    ``update(texts)`` and ``update_planned(entries)`` add inputs, ``merge(other)`` adds another
    state (associative and commutative), ``to_bytes()`` / ``Partial.from_bytes()`` serialise it
    (compact, versioned) and ``finish()`` gives the report dict.
    """

    def __init__(
        self,
        tokenizers: Optional[Sequence[str]] = None,
        *,
        lang: Optional[str] = None,
        lossy: bool = False,
        no_ignore: bool = False,
        strict: bool = False,
        _inner: Any = None,
    ):
        self._inner = _inner or _tokstat.ComparePartialPy(
            _list(tokenizers), lang, lossy, no_ignore, strict
        )

    def update(self, texts: Texts) -> "Partial":
        """Adds texts: a list of strings (named ``<text N>``) or a ``{name: text}`` mapping."""
        self._inner.update_texts(_names(texts))
        return self

    def update_paths(self, paths: Union[PathLike, Iterable[PathLike]]) -> "Partial":
        """Adds files and directories, walked as ``tokstat compare`` does."""
        return self.update_planned(plan(paths))

    def update_planned(self, entries: Sequence[str]) -> "Partial":
        """Adds entries of :func:`plan` (any subset, any order)."""
        self._inner.update_planned(list(entries))
        return self

    def merge(self, other: "Partial") -> "Partial":
        """Adds another state of the same comparison (same tokenizers) into this one."""
        self._inner.merge(other._inner)
        return self

    @property
    def files(self) -> int:
        """Inputs analysed so far."""
        return self._inner.files

    def to_bytes(self) -> bytes:
        """The serialised state (``TOKSTAT`` magic, format version, postcard body)."""
        return self._inner.to_bytes()

    @staticmethod
    def from_bytes(data: bytes, tokenizers: Optional[Sequence[str]] = None) -> "Partial":
        """Reads a state written by :meth:`to_bytes`; a wrong version or corrupt bytes raise
        :class:`TokstatError`."""
        return Partial(_inner=_tokstat.ComparePartialPy.from_bytes(bytes(data), _list(tokenizers)))

    def finish(self) -> Dict[str, Any]:
        """The report: the dict of ``tokstat compare --format json``."""
        return json.loads(self._inner.finish())


class ParityPartial:
    """The mergeable state of ``tokstat parity`` over some lines of a parallel corpus
    (``dir``: line-aligned ``<lang>_<Script>.txt`` files; the bundled FLORES-200 sample when
    ``None``). ``update(lines)`` measures line indices in ``range(self.lines)``."""

    def __init__(
        self,
        dir: Optional[PathLike] = None,
        tokenizers: Optional[Sequence[str]] = None,
        pivot: str = "eng_Latn",
        _inner: Any = None,
    ):
        self._inner = _inner or _tokstat.ParityPartialPy(
            None if dir is None else os.fspath(dir), _list(tokenizers), pivot
        )

    @property
    def lines(self) -> int:
        """Lines per file of the corpus."""
        return self._inner.lines

    def update(self, lines: Iterable[int]) -> "ParityPartial":
        """Measures these line indices (each once over all states that are merged)."""
        self._inner.update(list(lines))
        return self

    def merge(self, other: "ParityPartial") -> "ParityPartial":
        """Adds another state over other lines of the same measurement."""
        self._inner.merge(other._inner)
        return self

    def to_bytes(self) -> bytes:
        """The serialised state."""
        return self._inner.to_bytes()

    @staticmethod
    def from_bytes(
        data: bytes, dir: Optional[PathLike] = None, tokenizers: Optional[Sequence[str]] = None
    ) -> "ParityPartial":
        """Reads a state written by :meth:`to_bytes`."""
        inner = _tokstat.ParityPartialPy.from_bytes(
            bytes(data), None if dir is None else os.fspath(dir), _list(tokenizers)
        )
        return ParityPartial(_inner=inner)

    def finish(self, worst: int = 5) -> Dict[str, Any]:
        """The report: the dict of ``tokstat parity --format json --worst WORST``."""
        return json.loads(self._inner.finish(worst))


def parity(
    dir: Optional[PathLike] = None,
    tokenizers: Optional[Sequence[str]] = None,
    pivot: str = "eng_Latn",
    worst: int = 5,
) -> Dict[str, Any]:
    """``tokstat parity``: tokenization premium per language against ``pivot``."""
    return json.loads(
        _tokstat.parity_report(None if dir is None else os.fspath(dir), _list(tokenizers), pivot, worst)
    )


def budget(
    models: Optional[Sequence[str]] = None,
    *,
    head: str = "base",
    vocab_sizes: Optional[Sequence[Union[int, str]]] = None,
    fixed_total: Union[int, str, None] = None,
    attention_seqs: Optional[Sequence[Union[int, str]]] = None,
    tensors: bool = False,
) -> Dict[str, Any]:
    """``tokstat budget``: exact parameter counts of model presets or ``config.json`` files.
    Counts may be ints or strings such as ``"400M"``."""
    s = lambda xs: None if xs is None else [str(x) for x in xs]  # noqa: E731
    return json.loads(
        _tokstat.budget_report(
            _list(models),
            head,
            s(vocab_sizes),
            None if fixed_total is None else str(fixed_total),
            s(attention_seqs),
            tensors,
        )
    )


def vocab(
    tokenizers: Optional[Sequence[str]] = None,
    *,
    corpus: Union[PathLike, Iterable[PathLike], None] = None,
    models: Optional[Sequence[str]] = None,
    examples: int = 5,
    no_ignore: bool = False,
) -> List[Dict[str, Any]]:
    """``tokstat vocab``: composition, reachability, overlap, corpus use (``corpus``: files and
    directories) and dead budget (``models``: one preset or ``config.json`` per tokenizer).
    Returns the list (one audit per tokenizer) of ``tokstat vocab --format json``."""
    return json.loads(
        _tokstat.vocab_report(
            _list(tokenizers),
            None if corpus is None else _paths(corpus),
            _list(models),
            examples,
            no_ignore,
        )
    )


def vocab_plan(paths: Union[PathLike, Iterable[PathLike]], no_ignore: bool = False) -> List[str]:
    """Walks ``paths`` as ``tokstat vocab --corpus`` does and returns every entry (JSON text
    with its position). Hand any split of the list to :meth:`VocabPartial.update_planned`:
    merged, the states give exactly the corpus use of one run over ``paths``."""
    return _tokstat.vocab_plan(_paths(paths), no_ignore)


class VocabPartial:
    """The mergeable state of ``tokstat vocab --corpus``: per tokenizer, how often each id
    occurs, the files counted and the files skipped.

    ``update(texts)``, ``update_paths(paths)`` and ``update_planned(entries)`` add inputs,
    ``merge(other)`` adds another state of the same tokenizers (associative and commutative),
    ``to_bytes()`` / ``VocabPartial.from_bytes()`` serialise it and ``finish()`` gives the list
    of ``tokstat vocab --corpus ... --format json``.
    """

    def __init__(self, tokenizers: Optional[Sequence[str]] = None, *, _inner: Any = None):
        self._inner = _inner or _tokstat.VocabPartialPy(_list(tokenizers))

    def update(self, texts: Union[Sequence[str], Mapping[str, str]]) -> "VocabPartial":
        """Counts texts held in memory, one per file (a list, or the values of a mapping)."""
        if isinstance(texts, str):
            raise TypeError("texts must be a list of strings or a mapping, not one string")
        values = texts.values() if isinstance(texts, Mapping) else texts
        self._inner.update_texts(list(values))
        return self

    def update_paths(
        self, paths: Union[PathLike, Iterable[PathLike]], no_ignore: bool = False
    ) -> "VocabPartial":
        """Reads and counts files and directories, walked as ``vocab --corpus`` does."""
        return self.update_planned(vocab_plan(paths, no_ignore))

    def update_planned(self, entries: Sequence[str]) -> "VocabPartial":
        """Reads and counts entries of :func:`vocab_plan` (any subset, any order)."""
        self._inner.update_planned(list(entries))
        return self

    def merge(self, other: "VocabPartial") -> "VocabPartial":
        """Adds another state of the same tokenizers into this one."""
        self._inner.merge(other._inner)
        return self

    @property
    def files(self) -> int:
        """Files counted so far."""
        return self._inner.files

    def to_bytes(self) -> bytes:
        """The serialised state (``TOKSTAT`` magic, format version, postcard body)."""
        return self._inner.to_bytes()

    @staticmethod
    def from_bytes(data: bytes) -> "VocabPartial":
        """Reads a state written by :meth:`to_bytes`; corrupt bytes raise :class:`TokstatError`."""
        return VocabPartial(_inner=_tokstat.VocabPartialPy.from_bytes(bytes(data)))

    def finish(self, examples: int = 5, models: Optional[Sequence[str]] = None) -> List[Dict[str, Any]]:
        """The report: the list of ``tokstat vocab --corpus ... --format json --examples
        EXAMPLES`` (with ``--model`` for each of ``models``)."""
        return json.loads(self._inner.finish(examples, _list(models)))
