from typing import Any, Dict, Iterable, List, Optional, Sequence

def compare(
    spark: Any,
    paths: Iterable[str],
    tokenizers: Optional[Sequence[str]] = ...,
    *,
    partitions: Optional[int] = ...,
    lang: Optional[str] = ...,
    lossy: bool = ...,
    no_ignore: bool = ...,
    depth: int = ...,
) -> Dict[str, Any]: ...
def parity(
    spark: Any,
    dir: Optional[str] = ...,
    tokenizers: Optional[Sequence[str]] = ...,
    *,
    pivot: str = ...,
    worst: int = ...,
    partitions: Optional[int] = ...,
    depth: int = ...,
) -> Dict[str, Any]: ...
def vocab(
    spark: Any,
    corpus: Iterable[str],
    tokenizers: Optional[Sequence[str]] = ...,
    *,
    examples: int = ...,
    models: Optional[Sequence[str]] = ...,
    no_ignore: bool = ...,
    partitions: Optional[int] = ...,
    depth: int = ...,
) -> List[Dict[str, Any]]: ...
