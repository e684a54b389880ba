from typing import Any, Dict, Iterable, Optional, Sequence

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
