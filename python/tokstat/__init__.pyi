import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

PathLike = Union[str, os.PathLike[str]]
Texts = Union[Sequence[str], Mapping[str, str]]

class TokstatError(ValueError):
    """An error of tokstat, with the command line's message."""

class Encoding:
    ids: List[int]
    tokens: List[str]
    offsets: List[Tuple[int, int]]
    def __init__(self, ids: List[int], tokens: List[str], offsets: List[Tuple[int, int]]) -> None: ...
    def __len__(self) -> int: ...

def encode(text: str, tokenizer: str = ..., add_special_tokens: bool = ...) -> Encoding: ...
def compare(
    paths: Union[PathLike, Iterable[PathLike], None] = ...,
    *,
    texts: Optional[Texts] = ...,
    tokenizers: Optional[Sequence[str]] = ...,
    lang: Optional[str] = ...,
    lossy: bool = ...,
    no_ignore: bool = ...,
    strict: bool = ...,
) -> Dict[str, Any]: ...
def plan(paths: Union[PathLike, Iterable[PathLike]], no_ignore: bool = ...) -> List[str]: ...

class Partial:
    def __init__(
        self,
        tokenizers: Optional[Sequence[str]] = ...,
        *,
        lang: Optional[str] = ...,
        lossy: bool = ...,
        no_ignore: bool = ...,
        strict: bool = ...,
    ) -> None: ...
    def update(self, texts: Texts) -> Partial: ...
    def update_paths(self, paths: Union[PathLike, Iterable[PathLike]]) -> Partial: ...
    def update_planned(self, entries: Sequence[str]) -> Partial: ...
    def merge(self, other: Partial) -> Partial: ...
    @property
    def files(self) -> int: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes, tokenizers: Optional[Sequence[str]] = ...) -> Partial: ...
    def finish(self) -> Dict[str, Any]: ...

class ParityPartial:
    def __init__(
        self,
        dir: Optional[PathLike] = ...,
        tokenizers: Optional[Sequence[str]] = ...,
        pivot: str = ...,
    ) -> None: ...
    @property
    def lines(self) -> int: ...
    def update(self, lines: Iterable[int]) -> ParityPartial: ...
    def merge(self, other: ParityPartial) -> ParityPartial: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(
        data: bytes, dir: Optional[PathLike] = ..., tokenizers: Optional[Sequence[str]] = ...
    ) -> ParityPartial: ...
    def finish(self, worst: int = ...) -> Dict[str, Any]: ...

def parity(
    dir: Optional[PathLike] = ...,
    tokenizers: Optional[Sequence[str]] = ...,
    pivot: str = ...,
    worst: int = ...,
) -> Dict[str, Any]: ...
def budget(
    models: Optional[Sequence[str]] = ...,
    *,
    head: str = ...,
    vocab_sizes: Optional[Sequence[Union[int, str]]] = ...,
    fixed_total: Union[int, str, None] = ...,
    attention_seqs: Optional[Sequence[Union[int, str]]] = ...,
    tensors: bool = ...,
) -> Dict[str, Any]: ...
