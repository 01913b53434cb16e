"""Events from Parquet files (pyarrow), streamed batch by batch.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CheckError, shorten
from .events import (
    BAD_CHAR_RE,
)
from .rows import (
    BATCH_ROWS,
    BadValue,
    RowError,
    Rows,
    datetime_value,
    decimal_value,
    float_value,
    json_text_value,
    row_record,
    unique_columns,
)

if TYPE_CHECKING:
    pass


# --- Parquet -------------------------------------------------------------------------------


Convert = Callable[[Any], Any] | None  # None: the Python value is already the field value


def _pyarrow(path: str) -> tuple[Any, Any]:
    """pyarrow and pyarrow.parquet, imported on first use (a .jsonl run never pays for them)."""
    try:
        return importlib.import_module("pyarrow"), importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise CheckError("reading Parquet needs pyarrow: pip install pyarrow", path or None) from None


def parquet_rows(path: str) -> tuple[str, Rows]:
    pa, pq = _pyarrow(path)

    p = Path(path)
    if not p.exists():
        raise CheckError("file not found", path)
    if p.is_dir():
        raise CheckError("is a directory, expected a Parquet file", path)
    try:
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
    except (pa.ArrowException, OSError) as exc:
        raise CheckError(f"not a readable Parquet file: {exc}", path) from None
    columns = [str(n) for n in schema.names]
    unique_columns(columns, path, "a Parquet file needs one name per column")
    converters = [_arrow_converter(field.type, str(field.name), path) for field in schema]
    return path, _parquet_iter(parquet, columns, converters, path)


def _parquet_iter(parquet: Any, columns: list[str], converters: list[Convert], path: str) -> Rows:
    pa, _ = _pyarrow(path)

    row = 0
    batches = parquet.iter_batches(batch_size=BATCH_ROWS)
    identity: list[Callable[[Any], Any] | None] = [None] * len(columns)
    names_clean = not any(BAD_CHAR_RE.search(c) for c in columns)
    try:
        while True:
            try:
                batch = next(batches, None)
            except (pa.ArrowException, OSError) as exc:
                raise RowError(f"cannot read the Parquet file here: {exc}", path, row + 1) from None
            if batch is None:
                return
            values = [_column(batch.column(i), convert) for i, convert in enumerate(converters)]
            for row_values in zip(*values, strict=True):
                row += 1
                yield row, row_record(path, row, columns, row_values, identity, names_clean, converted=True)
    finally:
        parquet.close()


def _column(array: Any, convert: Convert) -> list[Any]:
    try:
        values: list[Any] = array.to_pylist()
    except (ValueError, OverflowError, ArithmeticError):
        # One value Python cannot hold (a nanosecond, a year past 9999): find which, per value.
        values = []
        for index in range(len(array)):
            try:
                values.append(array[index].as_py())
            except (ValueError, OverflowError, ArithmeticError) as exc:
                values.append(BadValue(_arrow_problem(exc)))
    if convert is None:
        return values
    return [v if v is None or type(v) is BadValue else convert(v) for v in values]


def _arrow_problem(exc: Exception) -> str:
    text = str(exc)
    if "Nanosecond" in text:
        return "a timestamp with nanoseconds: times keep at most 6 fractional digits of a second"
    if isinstance(exc, OverflowError) or "out of range" in text:
        return "a timestamp or date outside the years Python can hold (1–9999)"
    return f"cannot be read: {shorten(text, 120)}"


def _arrow_converter(kind: Any, column: str, path: str) -> Convert:
    """How one Arrow type becomes field values; CheckError for a type an event cannot hold."""
    pa, _ = _pyarrow(path)

    types = pa.types
    if isinstance(kind, pa.BaseExtensionType):
        if kind.extension_name == "arrow.json":
            return json_text_value
        if kind.extension_name == "arrow.uuid":
            return str
        return _arrow_converter(kind.storage_type, column, path)
    if (types.is_null(kind) or types.is_boolean(kind) or types.is_integer(kind) or types.is_string(kind)
            or types.is_large_string(kind) or _is(types, "is_string_view", kind)):
        return None
    if types.is_float32(kind):
        return lambda v: float_value(v, single=True)
    if types.is_float64(kind):
        return float_value
    if types.is_decimal(kind):
        return decimal_value
    if types.is_date(kind):
        return _date_text
    if types.is_timestamp(kind):
        return datetime_value
    if types.is_dictionary(kind):
        return _arrow_converter(kind.value_type, column, path)
    if (types.is_list(kind) or types.is_large_list(kind) or types.is_fixed_size_list(kind)
            or _is(types, "is_list_view", kind) or _is(types, "is_large_list_view", kind)):
        item = _arrow_converter(kind.value_type, column, path)
        return None if item is None else _list_of(item)
    if types.is_struct(kind):
        fields = {kind.field(i).name: _arrow_converter(kind.field(i).type, column, path) for i in range(kind.num_fields)}
        if all(f is None for f in fields.values()):
            return None
        return _struct_of(fields)
    raise CheckError(f"column {shorten(column)} has the type {kind}, which an event field cannot hold: "
                     f"{_arrow_hint(kind)}", path)


def _is(types: Any, predicate: str, kind: Any) -> bool:
    check = getattr(types, predicate, None)
    return bool(check(kind)) if check is not None else False


def _arrow_hint(kind: Any) -> str:
    pa, _ = _pyarrow("")

    types = pa.types
    if types.is_binary(kind) or types.is_large_binary(kind) or types.is_fixed_size_binary(kind):
        return "store text as a UTF-8 string column"
    if types.is_float16(kind):
        return "store exact numbers as decimal128 (or float64 holding short decimals)"
    if types.is_map(kind):
        return "use a struct (an object) or a list"
    if types.is_timestamp(kind) or types.is_time(kind) or types.is_duration(kind) or types.is_interval(kind):
        return "store times as timestamps with a time zone, durations as numbers"
    return "use strings, integers, decimals, booleans, dates, timestamps with a time zone, lists or structs"


def _date_text(value: dt.date) -> str:
    return value.isoformat()


def _list_of(item: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def convert(values: list[Any]) -> Any:
        out = [None if v is None else item(v) for v in values]
        for index, v in enumerate(out):
            if type(v) is BadValue:
                return BadValue(f"item {index + 1}: {v.message}", v.fatal)
        return out

    return convert


def _struct_of(fields: dict[str, Convert]) -> Callable[[Any], Any]:
    def convert(value: dict[str, Any]) -> Any:
        out: dict[str, Any] = {}
        for key, v in value.items():
            conv = fields.get(key)
            out[key] = v if v is None or conv is None else conv(v)
            if type(out[key]) is BadValue:
                return BadValue(f"field {shorten(key)}: {out[key].message}", out[key].fatal)
        return out

    return convert
