#!/usr/bin/env python3
"""Generates the corrupt-input corpus in tests/corrupt/files/, deterministically.

What it makes
-------------
Small valid seed artifacts, built here in memory, then damaged copies of
each, every one a single flat file in files/ (no subfolders):

  parquet-*.parquet   seed: int64 `id`, float64 `score` (a few NaN/+inf/-inf),
                      string `category` (dictionary-encoded, a few nulls),
                      2,000 rows in two row groups, Snappy
  arrow-plain-*.arrow Arrow IPC file (Feather v2), uncompressed; same columns
  arrow-lz4-*.arrow   the same, LZ4-frame compressed buffers
  arrow-zstd-*.arrow  the same, ZSTD compressed buffers
                      (Arrow seeds hold 256 rows in two record batches, and
                      `category` is dictionary<int32, utf8>, so there is a
                      dictionary batch; fewer rows keep the corpus small)
  csv-*.csv           header + 500 rows, same columns (finite scores)
  tsv-*.tsv           the same, tab-separated (format "csv", delimiter "\\t")
  json-*.json         {"auc": 0.91, "accuracy": 0.88, "nested": {"a": [1, 2, 3]}}
  mlmodel-*.yaml      an MLflow MLmodel with a column-based signature; copy it
                      to a folder as `MLmodel` to use it (format "mlmodel")

Each seed is also written undamaged as `<prefix>-seed.<ext>` (damage "none")
as a control. The damage, per seed, chosen with random.Random(<fixed int>):
  - truncations: to 0 bytes, to 1 byte, to half, and with the last 1, 8, 10
    and 100 bytes removed (binary seeds also: cut where the footer starts);
  - single bit flips (file name: the byte offset) at positions spread over the
    file, most of them in the structures readers trust: for Parquet (30) the
    last 8 bytes (footer length and magic), the Thrift footer and the page
    headers; for Arrow IPC (30 plain, 10 per compressed seed) the footer
    length int32, the footer flatbuffer, the footer's Block structs
    (metaDataLength, bodyLength), message headers and the 8-byte
    uncompressed-length prefixes of compressed buffers; 4 to 6 per text seed;
  - runs of 0xff written over the head, the middle and the footer;
  - format-specific malformations: Parquet footer lengths that do not fit, bad
    or encrypted magic, a Thrift list with a huge declared size; Arrow block
    offsets/lengths and message lengths out of range, huge record batch and
    field node lengths, buffer lengths past the body, compressed-buffer
    prefixes of 0x7fffffffffffffff, 6e18, -2, 0, out-of-range dictionary
    indices; CSV ragged rows, unterminated quotes, invalid UTF-8, header only,
    a 200 KB single line, NUL bytes; JSON nested 100,000 deep, invalid UTF-8,
    trailing garbage, 1e400; MLmodel YAML bombs (billion laughs, under 1.3 KB
    each), tabs, signatures that are not JSON, deeply nested flow sequences.
The LZ4/ZSTD seeds share their framing with the plain one, so they get the
compression-specific cases and a sample of the rest; TSV gets the cases
where the delimiter matters. The Arrow offsets come from parsing the
seed's footer and message flatbuffers below, not from fixed numbers.

files/manifest.json is {"generator": ..., "files": [...]}, sorted by name,
each entry {"file", "format", "seed", "damage"} (plus "delimiter": "\\t" for
TSV); seed is one of parquet, arrow-plain, arrow-lz4, arrow-zstd, csv, tsv,
json, mlmodel; format is one of parquet, arrow, csv, json, mlmodel. Many
damaged files still parse (a flipped bit in a float is a valid file, and some
cases, such as quoted newlines or a BOM, are valid but awkward): the corpus
is for "never panic, never hang, never allocate what a header claims", not
for "always an error".

Determinism
-----------
Same bytes on every run: fixed seeds for numpy and random, no timestamps
(pyarrow writes none into Parquet or IPC; Parquet's created_by names only the
pyarrow version), statistics/dictionary/page options all set explicitly,
manifest written with sorted keys. files/ is emptied first, so removed cases
do not linger. Byte-identical output needs the same pyarrow (its writer and
its bundled Snappy/LZ4/ZSTD); the versions used for the committed files:

  pyarrow==26.0.1  numpy==2.4.6  (CPython 3.11.7)

Regenerate
----------
  python3 tests/corrupt/generate.py      (needs pyarrow and numpy)

e.g. python3 -m venv /tmp/gen-venv && /tmp/gen-venv/bin/pip install
pyarrow==26.0.1 numpy==2.4.6 && /tmp/gen-venv/bin/python tests/corrupt/generate.py
Outputs are committed; tests never run this script.
"""
import io
import json
import random
import shutil
import struct
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parent / "files"
NP_SEED = 20261122
CATEGORIES = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]

ENTRIES = []
NAMES = set()


def emit(name, data, fmt, seed, damage, **extra):
    assert "/" not in name and name not in NAMES, name
    NAMES.add(name)
    (OUT / name).write_bytes(bytes(data))
    ENTRIES.append({"file": name, "format": fmt, "seed": seed, "damage": damage, **extra})


# ---------------------------------------------------------------- seeds

def columns(n, nonfinite, nulls):
    rng = np.random.default_rng(NP_SEED + n)
    ids = np.arange(1, n + 1, dtype=np.int64) * 7 + 1000
    # Three decimals: realistic, and repeats let Snappy shrink it a little.
    score = np.round(rng.normal(0.5, 0.2, n), 3)
    if nonfinite:
        score[[3, 97, n // 2 + 11]] = np.nan
        score[n // 3] = np.inf
        score[n - 5] = -np.inf
    codes = rng.integers(0, len(CATEGORIES), n).astype(np.int32)
    mask = np.zeros(n, dtype=bool)
    if nulls:
        mask[rng.choice(n, max(1, n // 100), replace=False)] = True
    return ids, score, codes, mask


def parquet_seed():
    ids, score, codes, mask = columns(2000, nonfinite=True, nulls=True)
    cat = pa.array([None if m else CATEGORIES[c] for c, m in zip(codes, mask)], pa.string())
    table = pa.table({"id": pa.array(ids), "score": pa.array(score), "category": cat})
    sink = io.BytesIO()
    pq.write_table(
        table, sink, row_group_size=1000, compression="snappy",
        use_dictionary=["category"], write_statistics=True, version="2.6",
        data_page_version="1.0", data_page_size=1 << 20, write_page_index=False,
        write_page_checksum=False, store_schema=True, use_byte_stream_split=False,
    )
    return sink.getvalue()


def arrow_seed(compression):
    ids, score, codes, mask = columns(256, nonfinite=True, nulls=True)
    cat = pa.DictionaryArray.from_arrays(
        pa.array(codes, pa.int32(), mask=mask), pa.array(CATEGORIES, pa.string()))
    table = pa.table({"id": pa.array(ids), "score": pa.array(score), "category": cat})
    sink = pa.BufferOutputStream()
    opts = ipc.IpcWriteOptions(compression=compression, use_threads=False)
    with ipc.new_file(sink, table.schema, options=opts) as w:
        for batch in table.to_batches(max_chunksize=128):
            w.write_batch(batch)
    return sink.getvalue().to_pybytes()


def csv_seed(delim):
    ids, score, codes, mask = columns(500, nonfinite=False, nulls=False)
    lines = [delim.join(["id", "score", "category"])]
    for i, s, c in zip(ids, score, codes):
        lines.append(delim.join([str(int(i)), repr(float(s)), CATEGORIES[c]]))
    return ("\n".join(lines) + "\n").encode()


JSON_SEED = b'{"auc": 0.91, "accuracy": 0.88, "nested": {"a": [1, 2, 3]}}\n'

SIG_IN = ('[{"type": "long", "name": "age", "required": true}, '
          '{"type": "string", "name": "job", "required": false}]')
SIG_OUT = '[{"type": "double", "required": true}]'


def mlmodel(inputs=f"'{SIG_IN}'", outputs=f"'{SIG_OUT}'", head="", tail=""):
    return (f"{head}artifact_path: model\n"
            "flavors: {python_function: {loader_module: mlflow.sklearn}}\n"
            "signature:\n"
            f"  inputs: {inputs}\n"
            f"  outputs: {outputs}\n{tail}").encode()


MLMODEL_SEED = mlmodel()


# ---------------------------------------------------------------- generic damage

def flip(data, off, bit):
    b = bytearray(data)
    b[off] ^= 1 << bit
    return bytes(b)


def put(data, off, raw):
    b = bytearray(data)
    assert off + len(raw) <= len(b), (off, len(raw), len(b))
    b[off:off + len(raw)] = raw
    return bytes(b)


def truncations(data, prefix, ext, fmt, seed, extra, footer_start=None, tiny=True, tails=(1, 8, 10, 100)):
    cuts = [("trunc-0", 0, "truncated to 0 bytes"),
            ("trunc-1", 1, "truncated to its first byte")] if tiny else []
    cuts.append(("trunc-half", len(data) // 2, "truncated to half its length"))
    for k in tails:
        if k < len(data):  # (a 60-byte JSON has no "last 100 bytes removed")
            cuts.append((f"trunc-minus{k}", len(data) - k, f"last {k} bytes removed"))
    if footer_start is not None:
        cuts.append(("trunc-footer", footer_start, "cut where the footer starts (data only)"))
    for tag, n, what in cuts:
        emit(f"{prefix}-{tag}.{ext}", data[:n], fmt, seed, what, **extra)


def spread(rng, lo, hi, k):
    """k positions in [lo, hi), one per equal stratum."""
    span = hi - lo
    return [lo + (span * i) // k + rng.randrange(max(1, span // k)) for i in range(k)]


def bitflips(data, targets, prefix, ext, fmt, seed, rng, extra):
    """targets: [(offset, why)]; each flips one random bit; offsets are unique."""
    seen = set()
    for off, why in targets:
        while off in seen:  # keep names unique without losing a flip
            off = (off + 1) % len(data)
        seen.add(off)
        bit = rng.randrange(8)
        emit(f"{prefix}-bitflip-{off:05d}.{ext}", flip(data, off, bit), fmt, seed,
             f"bit {bit} flipped at byte {off} ({why})", **extra)


def ff_runs(data, runs, prefix, ext, fmt, seed, extra):
    for tag, off, n, why in runs:
        n = min(n, len(data) - off)
        emit(f"{prefix}-ff-{tag}.{ext}", put(data, off, b"\xff" * n), fmt, seed,
             f"{n} bytes of 0xff written at byte {off} ({why})", **extra)


# ---------------------------------------------------------------- Parquet

def uvarint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def parquet_cases():
    data = parquet_seed()
    rng = random.Random(1001)
    p, ext, fmt, seed, x = "parquet", "parquet", "parquet", "parquet", {}
    n = len(data)
    assert data[:4] == b"PAR1" and data[-4:] == b"PAR1"
    flen = struct.unpack("<I", data[-8:-4])[0]
    meta = n - 8 - flen
    emit(f"{p}-seed.{ext}", data, fmt, seed, "none (the valid seed)")
    truncations(data, p, ext, fmt, seed, x, footer_start=meta)

    md = pq.ParquetFile(pa.BufferReader(data)).metadata
    pages = []
    for rg in range(md.num_row_groups):
        for c in range(md.num_columns):
            col = md.row_group(rg).column(c)
            start = col.dictionary_page_offset if col.has_dictionary_page else col.data_page_offset
            pages.append((start, f"page header of row group {rg} column {col.path_in_schema}"))
    targets = [(n - 8 + i, "footer length" if i < 4 else "trailing magic") for i in range(8)]
    targets += [(o, "Thrift footer metadata") for o in spread(rng, meta, n - 8, 14)]
    targets += [(o + rng.randrange(6), why) for o, why in pages]
    targets += [(rng.randrange(4), "leading magic")]
    targets += [(o, "column data") for o in spread(rng, 4, meta, 30 - len(targets))]
    bitflips(data, targets, p, ext, fmt, seed, rng, x)
    ff_runs(data, [("head", 0, 16, "leading magic and first page header"),
                   ("mid", n // 2 - 32, 64, "middle of the column data"),
                   ("footer", meta, 32, "start of the Thrift footer"),
                   ("page-header", pages[0][0], 16, "first page header")], p, ext, fmt, seed, x)

    def footer_len(v, tag, why):
        emit(f"{p}-footer-len-{tag}.{ext}", put(data, n - 8, struct.pack("<I", v)), fmt, seed, why)

    footer_len(0x7FFFFFFF, "huge", "footer length set to 0x7fffffff")
    footer_len(0xFFFFFFFF, "ffffffff", "footer length set to 0xffffffff (-1 as i32)")
    footer_len(0, "zero", "footer length set to 0")
    footer_len(n - 8, "whole-file", "footer length reaches back over the leading magic")
    footer_len(n - 7, "past-start", "footer length one byte more than the file holds")
    footer_len(flen + 1, "plus1", "footer length one too large")
    footer_len(flen - 1, "minus1", "footer length one too small")
    emit(f"{p}-magic-tail.{ext}", put(data, n - 4, b"PAR0"), fmt, seed, "trailing magic PAR0")
    emit(f"{p}-magic-head.{ext}", put(data, 0, b"PAR0"), fmt, seed, "leading magic PAR0")
    emit(f"{p}-magic-encrypted.{ext}", put(data, n - 4, b"PARE"), fmt, seed,
         "trailing magic PARE (encrypted footer)")
    emit(f"{p}-magic-only.{ext}", b"PAR1PAR1", fmt, seed, "leading and trailing magic only")
    emit(f"{p}-empty-footer.{ext}", b"PAR1" + struct.pack("<I", 0) + b"PAR1", fmt, seed,
         "magic, zero footer length, magic")
    emit(f"{p}-footer-only.{ext}", b"PAR1" + data[meta:], fmt, seed,
         "valid footer whose column chunks point past the end")
    emit(f"{p}-footer-zeros.{ext}", put(data, meta, bytes(flen)), fmt, seed,
         "Thrift footer overwritten with zero bytes")
    # FileMetaData starts: field 1 version (i32, 0x15) + varint, field 2 schema
    # (list, 0x19), then the list header (size << 4 | struct type 0xC).
    m = bytearray(data[meta:n - 8])
    assert m[0] == 0x15, m[:4]
    i = 1
    while m[i] & 0x80:
        i += 1
    i += 1
    assert m[i] == 0x19 and m[i + 1] & 0x0F == 0x0C, m[:8]
    for tag, size in (("huge", 0x7FFFFFFF),):
        m2 = m[:i + 1] + b"\xfc" + uvarint(size) + m[i + 2:]
        emit(f"{p}-schema-list-{tag}.{ext}",
             data[:meta] + m2 + struct.pack("<I", len(m2)) + b"PAR1", fmt, seed,
             f"Thrift schema list declares {size} elements (footer length adjusted)")


# ---------------------------------------------------------------- Arrow IPC

def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def i32(b, o):
    return struct.unpack_from("<i", b, o)[0]


def i64(b, o):
    return struct.unpack_from("<q", b, o)[0]


def fb_field(b, table, i):
    """Absolute position of field i of the flatbuffer table at `table`, or None."""
    vt = table - i32(b, table)
    o = 4 + 2 * i
    if o >= u16(b, vt):
        return None
    fo = u16(b, vt + o)
    return table + fo if fo else None


def fb_ref(b, pos):
    return pos + u32(b, pos)


def fb_vector(b, table, i):
    """(count, position of first element) of a vector field."""
    f = fb_field(b, table, i)
    if f is None:
        return 0, None
    v = fb_ref(b, f)
    return u32(b, v), v + 4


def parse_ipc(data):
    """Footer blocks and, per message, its header and buffer layout (absolute offsets)."""
    n = len(data)
    assert data[:6] == b"ARROW1" and data[-6:] == b"ARROW1"
    flen = i32(data, n - 10)
    fstart = n - 10 - flen
    root = fb_ref(data, fstart)
    blocks = []
    for field, kind in ((2, "dictionary"), (3, "record batch")):
        cnt, pos = fb_vector(data, root, field)
        for k in range(cnt):
            at = pos + 24 * k
            blocks.append({"kind": kind, "index": k, "at": at, "offset": i64(data, at),
                           "meta_len": i32(data, at + 8), "body_len": i64(data, at + 16)})
    for blk in blocks:
        off = blk["offset"]
        assert u32(data, off) == 0xFFFFFFFF
        mstart = off + 8
        mroot = fb_ref(data, mstart)
        htype = data[fb_field(data, mroot, 1)]
        header = fb_ref(data, fb_field(data, mroot, 2))
        if htype == 2:  # DictionaryBatch: the RecordBatch is its field 1
            header = fb_ref(data, fb_field(data, header, 1))
        else:
            assert htype == 3
        blk["rb"] = header
        blk["rb_length_at"] = fb_field(data, header, 0)
        cnt, pos = fb_vector(data, header, 1)
        blk["nodes"] = [pos + 16 * k for k in range(cnt)]
        cnt, pos = fb_vector(data, header, 2)
        body = off + blk["meta_len"]
        blk["buffers"] = [{"at": pos + 16 * k, "start": body + i64(data, pos + 16 * k),
                           "len": i64(data, pos + 16 * k + 8)} for k in range(cnt)]
        blk["msg_len_at"] = off + 4
        blk["msg_start"] = mstart
    schema_msg_at = 8
    assert u32(data, schema_msg_at) == 0xFFFFFFFF
    return {"footer_start": fstart, "footer_len": flen, "blocks": blocks,
            "schema_msg": (schema_msg_at, 8 + i32(data, schema_msg_at + 4))}


ARROW_SEEDS = {"plain": (None, 2001), "lz4": ("lz4", 2002), "zstd": ("zstd", 2003)}


def arrow_cases(codec):
    compression, rseed = ARROW_SEEDS[codec]
    data = arrow_seed(compression)
    rng = random.Random(rseed)
    p, ext, fmt, seed, x = f"arrow-{codec}", "arrow", "arrow", f"arrow-{codec}", {}
    n = len(data)
    lay = parse_ipc(data)
    fs = lay["footer_start"]
    emit(f"{p}-seed.{ext}", data, fmt, seed, "none (the valid seed)")
    # The compressed seeds share their framing with the plain one: they get
    # fewer generic cases (0 and 1 bytes would be the same bytes as plain's).
    if compression:
        truncations(data, p, ext, fmt, seed, x, footer_start=fs, tiny=False, tails=(10,))
        arrow_compressed_flips(data, lay, p, ext, fmt, seed, rng, x)
    else:
        truncations(data, p, ext, fmt, seed, x, footer_start=fs)
        arrow_plain_flips(data, lay, p, ext, fmt, seed, rng, x)
        ff_runs(data, [("head", 0, 16, "magic and schema message header"),
                       ("mid", n // 2 - 32, 64, "middle of the file"),
                       ("footer", fs, 32, "start of the footer flatbuffer")], p, ext, fmt, seed, x)
    arrow_malformed(data, lay, compression, p, ext, fmt, seed)


def arrow_compressed_flips(data, lay, p, ext, fmt, seed, rng, x):
    """10 flips: the structures plain has too, sampled, and the length prefixes."""
    n, fs, blocks = len(data), lay["footer_start"], lay["blocks"]
    rb0 = next(b for b in blocks if b["kind"] == "record batch")
    compressed = [b2 for blk in blocks for b2 in blk["buffers"] if b2["len"] >= 8]
    targets = [(n - 10 + rng.randrange(4), "footer length int32")]
    targets += [(o, "footer flatbuffer") for o in spread(rng, fs, n - 10, 2)]
    for blk in blocks:
        what = f"footer {blk['kind']} block {blk['index']}"
        if rng.random() < 0.5:
            targets.append((blk["at"] + 8 + rng.randrange(4), f"{what} metaDataLength"))
        else:
            targets.append((blk["at"] + 16 + rng.randrange(8), f"{what} bodyLength"))
    targets.append((rb0["msg_start"] + rng.randrange(rb0["meta_len"] - 8), "record batch 0 flatbuffer"))
    for b2 in rng.sample(compressed, 10 - len(targets)):
        # the high bytes make the declared decompressed size huge
        targets.append((b2["start"] + rng.choice([0, 1, 5, 6, 7]),
                        "uncompressed-length prefix of a compressed buffer"))
    bitflips(data, targets, p, ext, fmt, seed, rng, x)


def arrow_plain_flips(data, lay, p, ext, fmt, seed, rng, x):
    """30 flips over the footer, the blocks, message headers and bodies."""
    n, fs, blocks = len(data), lay["footer_start"], lay["blocks"]
    rb0 = next(b for b in blocks if b["kind"] == "record batch")
    targets = [(n - 10 + i, "footer length int32") for i in range(4)]
    targets += [(n - 1 - rng.randrange(6), "trailing magic"), (rng.randrange(6), "leading magic")]
    targets += [(o, "footer flatbuffer") for o in spread(rng, fs, n - 10, 8)]
    for blk in blocks:
        what = f"footer {blk['kind']} block {blk['index']}"
        targets.append((blk["at"] + 8 + rng.randrange(4), f"{what} metaDataLength"))
        targets.append((blk["at"] + 16 + rng.randrange(8), f"{what} bodyLength"))
    s_at, s_len = lay["schema_msg"]
    targets.append((s_at + 4 + rng.randrange(4), "schema message length"))
    targets.append((s_at + 8 + rng.randrange(s_len - 8), "schema message flatbuffer"))
    targets.append((rb0["msg_start"] + rng.randrange(rb0["meta_len"] - 8), "record batch 0 flatbuffer"))
    targets.append((rb0["nodes"][0] + rng.randrange(16), "record batch 0 field node"))
    targets.append((rb0["buffers"][-1]["at"] + rng.randrange(16), "record batch 0 buffer offset/length"))
    body_lo, body_hi = rb0["offset"] + rb0["meta_len"], fs
    targets += [(o, "record batch bodies") for o in spread(rng, body_lo, body_hi, 30 - len(targets))]
    bitflips(data, targets, p, ext, fmt, seed, rng, x)


def arrow_malformed(data, lay, compression, p, ext, fmt, seed):
    n, fl, blocks = len(data), lay["footer_len"], lay["blocks"]
    dict_blk = next(b for b in blocks if b["kind"] == "dictionary")
    rb0 = next(b for b in blocks if b["kind"] == "record batch")
    compressed = [b2 for blk in blocks for b2 in blk["buffers"] if b2["len"] >= 8]
    s_at = lay["schema_msg"][0]

    def case(tag, at, raw, why):
        emit(f"{p}-{tag}.{ext}", put(data, at, raw), fmt, seed, why)

    huge64 = struct.pack("<q", 0x7FFFFFFFFFFFFFFF)
    if not compression:  # structure shared by all three seeds: test it once
        case("footer-len-huge", n - 10, struct.pack("<i", 0x7FFFFFFF), "footer length 0x7fffffff")
        case("footer-len-negative", n - 10, struct.pack("<i", -1), "footer length -1")
        case("footer-len-zero", n - 10, struct.pack("<i", 0), "footer length 0")
        case("footer-len-whole-file", n - 10, struct.pack("<i", n - 10),
             "footer length reaches back over the leading magic")
        case("footer-len-plus8", n - 10, struct.pack("<i", fl + 8), "footer length 8 too large")
        case("magic-tail", n - 6, b"ARROW2", "trailing magic ARROW2")
        case("magic-head", 0, b"ARROW2", "leading magic ARROW2")
        emit(f"{p}-magic-only.{ext}", b"ARROW1\0\0ARROW1", fmt, seed, "leading and trailing magic only")
        emit(f"{p}-empty-footer.{ext}", b"ARROW1\0\0" + struct.pack("<i", 0) + b"ARROW1", fmt, seed,
             "magic, zero footer length, magic")
        case("msg-len-huge", rb0["msg_len_at"], struct.pack("<i", 0x7FFFFFFF),
             "record batch 0 message metadata length 0x7fffffff")
        case("msg-len-negative", rb0["msg_len_at"], struct.pack("<i", -8),
             "record batch 0 message metadata length -8")
        case("schema-len-huge", s_at + 4, struct.pack("<i", 0x7FFFFFFF),
             "schema message metadata length 0x7fffffff")
        case("block-offset-beyond", rb0["at"], struct.pack("<q", n * 4),
             "record batch 0 block offset past the end of the file")
        case("block-offset-negative", rb0["at"], struct.pack("<q", -8),
             "record batch 0 block offset -8")
        case("block-meta-len-negative", rb0["at"] + 8, struct.pack("<i", -16),
             "record batch 0 block metaDataLength -16")
        case("field-node-null-count", rb0["nodes"][2] + 8, struct.pack("<q", 1 << 40),
             "record batch 0 category field node null_count 2^40 (more than its length)")
        idx = rb0["buffers"][5]  # category: validity, indices
        assert idx["len"] >= 8
        case("dict-index-huge", idx["start"] + 4, struct.pack("<i", 0x7FFFFFFF),
             "a category dictionary index 0x7fffffff (out of range)")
        case("dict-index-negative", idx["start"] + 8, struct.pack("<i", -1),
             "a category dictionary index -1")
        offs = dict_blk["buffers"][1]  # dictionary values: validity, offsets, data
        case("dict-offsets-backwards", offs["start"] + 8, struct.pack("<i", 0x7FFFFFF0),
             "dictionary string offset 0x7ffffff0 (past its data, not monotonic)")
        case("dict-offsets-negative", offs["start"] + 4, struct.pack("<i", -5),
             "dictionary string offset -5")
        case("block-meta-len-huge", rb0["at"] + 8, struct.pack("<i", 0x7FFFFFFF),
             "record batch 0 block metaDataLength 0x7fffffff")
        case("block-body-len-negative", rb0["at"] + 16, struct.pack("<q", -8),
             "record batch 0 block bodyLength -8")
        case("dict-block-body-len-huge", dict_blk["at"] + 16, huge64,
             "dictionary block bodyLength 0x7fffffffffffffff")
        case("rb-length-huge", rb0["rb_length_at"], huge64,
             "record batch 0 length (rows) 0x7fffffffffffffff")
        case("field-node-length-huge", rb0["nodes"][0], huge64,
             "record batch 0 id field node length 0x7fffffffffffffff")
        case("buffer-offset-beyond", rb0["buffers"][1]["at"], struct.pack("<q", 1 << 40),
             "record batch 0 id buffer offset 2^40 (past the body)")
    # with compression these two also meet the decompressor
    case("block-body-len-huge", rb0["at"] + 16, huge64,
         "record batch 0 block bodyLength 0x7fffffffffffffff")
    case("buffer-len-huge", rb0["buffers"][-1]["at"] + 8, huge64,
         "record batch 0 last buffer length 0x7fffffffffffffff")
    if compression:
        id_buf = rb0["buffers"][1]
        score_buf = rb0["buffers"][3]
        dict_data = dict_blk["buffers"][2]
        for tag, v, why in (("max", 0x7FFFFFFFFFFFFFFF, "0x7fffffffffffffff"),
                            ("6e18", 6_000_000_000_000_000_000, "6e18"),
                            ("minus2", -2, "-2 (only -1 means uncompressed)"),
                            ("zero", 0, "0"),
                            ("short", 3, "3 (smaller than the data decodes to)")):
            case(f"prefix-{tag}", id_buf["start"], struct.pack("<q", v),
                 f"id buffer uncompressed-length prefix {why}")
        case("prefix-score-max", score_buf["start"], huge64,
             "score buffer uncompressed-length prefix 0x7fffffffffffffff")
        case("prefix-dict-6e18", dict_data["start"], struct.pack("<q", 6_000_000_000_000_000_000),
             "dictionary data buffer uncompressed-length prefix 6e18")
        every = data
        for b2 in compressed:
            every = put(every, b2["start"], struct.pack("<q", 6_000_000_000_000_000_000))
        emit(f"{p}-prefix-all-6e18.{ext}", every, fmt, seed,
             f"all {len(compressed)} compressed buffers' prefixes set to 6e18")


# ---------------------------------------------------------------- CSV / TSV

def text_generic(data, p, ext, fmt, seed, rng, x, flips):
    truncations(data, p, ext, fmt, seed, x)
    bitflips(data, [(o, "text") for o in spread(rng, 0, len(data), flips)], p, ext, fmt, seed, rng, x)
    ff_runs(data, [("mid", len(data) // 2, 16, "middle of the text")], p, ext, fmt, seed, x)


TSV_CASES = {"ragged", "header-only", "invalid-utf8", "nul-bytes", "nonfinite", "quote-tab"}


def csv_cases(delim):
    tsv = delim == "\t"
    p = ext = seed = "tsv" if tsv else "csv"
    fmt = "csv"
    x = {"delimiter": "\t"} if tsv else {}
    data = csv_seed(delim)
    rng = random.Random(3002 if tsv else 3001)
    lines = data.decode().split("\n")[:-1]
    d = delim.encode()
    emit(f"{p}-seed.{ext}", data, fmt, seed, "none (the valid seed)", **x)
    if tsv:  # 0 and 1 bytes would repeat the CSV ones
        truncations(data, p, ext, fmt, seed, x, tiny=False)
        bitflips(data, [(o, "text") for o in spread(rng, 0, len(data), 4)], p, ext, fmt, seed, rng, x)
    else:
        text_generic(data, p, ext, fmt, seed, rng, x, flips=6)

    def case(tag, raw, why):
        # TSV shares the CSV reader: only the cases where the delimiter matters
        if not tsv or tag in TSV_CASES:
            emit(f"{p}-{tag}.{ext}", raw, fmt, seed, why, **x)

    def rows(ls):
        return ("\n".join(ls) + "\n").encode()

    ragged = list(lines)
    ragged[10] = delim.join(ragged[10].split(delim)[:2])
    ragged[20] += delim + "extra" + delim + "more"
    ragged[30] = ragged[30].split(delim)[0]
    case("ragged", rows(ragged), "rows with 2, 5 and 1 fields under a 3-field header")
    case("header-only", (lines[0] + "\n").encode(), "header line only")
    case("header-only-no-newline", lines[0].encode(), "header without a newline")
    nul = list(lines)
    nul[5] = nul[5].replace("a", "\0a", 1)
    case("nul-bytes", rows(nul).replace(b"id", b"i\0d", 1), "NUL bytes in the header and a row")
    case("nul-only", b"\0" * 64, "64 NUL bytes")
    case("invalid-utf8", rows(lines[:50]) + b"1,0.5,\xff\xfe\xc0\xaf\x80caf\xe9\n".replace(b",", d)
         + rows(lines[50:]).replace(b"beta", b"b\xeda", 3),
         "invalid UTF-8 (0xff, overlong, lone continuation, latin-1, cut 3-byte sequence) in category")
    case("invalid-utf8-header", rows(lines).replace(b"category", b"cat\xffgory", 1),
         "invalid UTF-8 in the header")
    case("utf8-cut-at-eof", rows(lines)[:-1] + b"\xe2\x82", "ends inside a multi-byte UTF-8 sequence")
    case("long-line", rows(lines[:3]) + (delim.join(["9999", "0.5", "x" * 200_000]) + "\n").encode(),
         "a 200 KB line (one 200,000-character category)")
    dup = list(lines)
    dup[0] = delim.join(["id", "id", ""])
    case("header-dup-empty", rows(dup), "header with a repeated and an empty column name")
    bom = b"\xef\xbb\xbf" + data
    case("bom", bom, "UTF-8 byte order mark before the header")
    nf = list(lines)
    for k, v in zip((3, 4, 5, 6, 7, 8), ("NaN", "inf", "-inf", "1e400", "-1e400", "1e-400")):
        f = nf[k].split(delim)
        f[1] = v
        nf[k] = delim.join(f)
    big = nf[9].split(delim)
    big[0] = "99999999999999999999999999"
    nf[9] = delim.join(big)
    case("nonfinite", rows(nf), "score NaN, inf, -inf, 1e400, -1e400, 1e-400; id beyond i64")
    mixed = list(lines)
    f = mixed[250].split(delim)
    f[0] = "not-a-number"
    mixed[250] = delim.join(f)
    case("type-change-late", rows(mixed), "id column has text at row 250")
    if tsv:
        q = list(lines)
        q[7] = delim.join(["8", "0.5", '"quoted\tcell'])
        case("quote-tab", rows(q), "an opening quote with a tab inside the field")
    else:
        q = list(lines)
        q[100] = '101,0.5,"never closed'
        case("unterminated-quote", rows(q), "a quoted field opened at row 100 and never closed")
        case("unterminated-quote-eof", rows(lines) + b'9999,0.1,"open at the end',
             "a quoted field opened on the last line, no newline")
        q = list(lines)
        q[12] = '13,0.5,"bad"quote"'
        q[13] = '14,0.5,ab"c'
        case("stray-quotes", rows(q), "quotes inside unquoted and after closing quote")
        q = list(lines)
        q[40] = '41,0.5,"line one\nline two\nline three"'
        case("quoted-newlines", rows(q), "a quoted field spanning three lines (valid CSV)")


# ---------------------------------------------------------------- JSON

def json_cases():
    data = JSON_SEED
    rng = random.Random(4001)
    p, ext, fmt, seed, x = "json", "json", "json", "json", {}
    emit(f"{p}-seed.{ext}", data, fmt, seed, "none (the valid seed)")
    text_generic(data, p, ext, fmt, seed, rng, x, flips=4)

    def case(tag, raw, why):
        emit(f"{p}-{tag}.{ext}", raw, fmt, seed, why)

    case("deep", b"[" * 100_000, "100,000 unclosed '['")
    case("deep-in-value", b'{"auc": 0.91, "nested": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
         "a valid metric beside arrays nested 20,000 deep, balanced")
    case("deep-objects", b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "objects nested 10,000 deep")
    case("invalid-utf8", data.replace(b'"a"', b'"\xff\xfe"'), "invalid UTF-8 in a key")
    case("invalid-utf8-value", b'{"auc": 0.91, "name": "caf\xe9 \xc0\xaf \xed\xa0\x80"}',
         "latin-1, overlong and surrogate bytes in a string")
    case("lone-surrogate", b'{"auc": 0.91, "name": "\\ud800"}', "escaped lone surrogate")
    case("trailing-garbage", data.rstrip() + b" xyz", "valid document then 'xyz'")
    case("huge-number", b'{"auc": 1e400, "accuracy": -1e400, "tiny": 1e-400}', "1e400, -1e400, 1e-400")
    case("big-integer", b'{"auc": 123456789012345678901234567890, "n": -99999999999999999999}',
         "integers beyond 64 bits")
    case("long-number", b'{"auc": 0.' + b"9" * 10_000 + b"}", "a number with 10,000 digits")
    case("nan-literals", b'{"auc": NaN, "accuracy": Infinity, "x": -Infinity}', "NaN and Infinity literals")
    case("duplicate-keys", b'{"auc": 0.91, "auc": 0.12, "accuracy": 0.88}', "key auc twice")
    case("not-object", b"[0.91, 0.88]", "top level is an array")
    case("null", b"null", "top level is null")
    case("comments", b'// metrics\n{"auc": 0.91 /* roc */}', "comments")
    case("unterminated-string", b'{"auc": 0.91, "name": "abc', "string never closed")
    case("nul-byte", b'{"auc": 0.91,\0 "accuracy": 0.88}', "NUL byte between members")
    case("wrong-types", b'{"auc": "0.91", "accuracy": true, "nested": {"a": "1,2,3"}}',
         "metrics as string and boolean")
    case("long-key", b'{"' + b"k" * 20_000 + b'": 1, "auc": 0.91}', "a 20,000-character key")


# ---------------------------------------------------------------- MLmodel

def mlmodel_cases():
    data = MLMODEL_SEED
    rng = random.Random(5001)
    p, ext, fmt, seed, x = "mlmodel", "yaml", "mlmodel", "mlmodel", {}
    emit(f"{p}-seed.{ext}", data, fmt, seed, "none (the valid seed)")
    text_generic(data, p, ext, fmt, seed, rng, x, flips=4)

    def case(tag, raw, why):
        emit(f"{p}-{tag}.{ext}", raw if isinstance(raw, bytes) else raw.encode(), fmt, seed, why)

    def laughs(prefix=""):
        out = [f'{prefix}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        for prev, cur in zip("abcdefgh", "bcdefghi"):
            out.append(f"{prefix}{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
        return "\n".join(out) + "\n"

    case("bomb", laughs() + data.decode(), "billion laughs: 9 levels of 9 aliases beside the model")
    case("bomb-signature",
         laughs() + mlmodel(inputs="*i").decode(),
         "signature inputs is an alias expanding to 9^9 strings")
    case("bomb-flavors", laughs() + "artifact_path: model\nflavors: {python_function: *i}\n"
         f"signature:\n  inputs: '{SIG_IN}'\n  outputs: '{SIG_OUT}'\n",
         "flavors.python_function expands to 9^9 strings")
    merge = ["m0: &m0 {k0: lol}"]
    for k in range(1, 20):
        merge.append(f"m{k}: &m{k} {{<<: [*m{k-1}], k{k}: [*m{k-1}, *m{k-1}, *m{k-1}, *m{k-1}]}}")
    case("bomb-merge", "\n".join(merge) + "\n" + data.decode(), "merge keys and aliases growing 4^20")
    case("tabs", data.replace(b"  inputs", b"\tinputs").replace(b"  outputs", b"\toutputs"),
         "tab indentation under signature")
    case("sig-not-json", mlmodel(inputs="'this is not json'"), "signature inputs is plain text")
    case("sig-truncated-json", mlmodel(inputs='\'[{"type": "long", "name": "age"\''),
         "signature inputs JSON cut off")
    case("sig-yaml-list", mlmodel(inputs="[{type: long, name: age}]"),
         "signature inputs is a YAML sequence, not a JSON string")
    case("sig-number", mlmodel(inputs="42", outputs="true"), "signature inputs 42, outputs true")
    case("sig-object", mlmodel(inputs='\'{"type": "long", "name": "age"}\''),
         "signature inputs JSON is an object, not an array")
    case("sig-wrong-field-types", mlmodel(inputs='\'[{"type": 42, "name": ["age"], "required": "yes"}]\''),
         "signature column with numeric type and list name")
    case("sig-unknown-type", mlmodel(inputs='\'[{"type": "complex128", "name": "z"}]\''),
         "signature column type complex128")
    case("sig-deep-json", mlmodel(inputs="'" + "[" * 10_000 + "]" * 10_000 + "'"),
         "signature inputs JSON nested 10,000 deep")
    case("sig-deep-json-unclosed", mlmodel(inputs="'" + "[" * 10_000 + "'"),
         "signature inputs 10,000 unclosed '['")
    case("sig-huge-tensor",
         mlmodel(inputs='\'[{"type": "tensor", "tensor-spec": {"dtype": "float64", '
                        '"shape": [-1, 9223372036854775807, 99999999999999999999]}}]\''),
         "tensor spec with shape beyond i64")
    case("sig-lone-surrogate", mlmodel(inputs='\'[{"type": "long", "name": "\\ud800"}]\''),
         "signature column name is an escaped lone surrogate")
    case("sig-null", b"artifact_path: model\nflavors: {python_function: {loader_module: mlflow.sklearn}}\n"
         b"signature: null\n", "signature: null")
    case("deep-flow", data.decode() + "nested: " + "[" * 10_000 + "]" * 10_000 + "\n",
         "flow sequences nested 10,000 deep")
    case("deep-flow-unclosed", data.decode() + "nested: " + "[" * 10_000 + "\n",
         "10,000 unclosed flow sequences")
    case("deep-block", data.decode() + "".join(" " * k + f"k{k}:\n" for k in range(300)) + " " * 300 + "v\n",
         "block mappings nested 300 deep")
    case("duplicate-keys", data + b"signature:\n  inputs: '[]'\n", "signature key twice")
    case("invalid-utf8", data.replace(b"model\n", b"mod\xff\xfel\n", 1), "invalid UTF-8 in a value")
    case("nul-byte", data.replace(b"model\n", b"mo\0del\n", 1), "NUL byte in a value")
    case("multi-document", b"---\n" + data + b"---\n" + data, "two YAML documents")
    case("undefined-alias", mlmodel(inputs="*nope"), "alias to an anchor never defined")
    case("self-alias", "a: &a [*a]\n" + data.decode(), "an anchor whose node refers to itself")
    case("python-tag", "boom: !!python/object/apply:os.system ['echo pwned']\n" + data.decode(),
         "a Python object tag")
    case("top-level-list", b"- artifact_path: model\n- signature: {}\n", "top level is a sequence")
    case("unterminated-quote", mlmodel(inputs="'[{\"type\": \"long\"}]"), "single-quoted scalar never closed")
    case("huge-int", b"artifact_path: model\nmlflow_version: 999999999999999999999999999999\n"
         + data.split(b"\n", 1)[1], "an integer beyond 64 bits")


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    parquet_cases()
    for codec in ARROW_SEEDS:
        arrow_cases(codec)
    csv_cases(",")
    csv_cases("\t")
    json_cases()
    mlmodel_cases()
    ENTRIES.sort(key=lambda e: e["file"])
    manifest = {
        "generator": "tests/corrupt/generate.py (pyarrow 26.0.1, numpy 2.4.6)",
        "files": ENTRIES,
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
