#!/usr/bin/python3
"""The PyTorch side of `distill-bench engine`: the same cases as Distill.Bench, run in eager PyTorch.

Started by Distill.Bench with Debian's /usr/bin/python3 (python3-torch 1.13, the libtorch the engine links).
Protocol: one JSON request per line on stdin, one JSON reply per line on stdout. "hello" sets the threads and
reports versions and libraries; "open" sets a case up; "warmup" runs it untimed, at least "runs" times and
"seconds" long; each "run" times one run with time.perf_counter and returns its seconds; "close" returns what the
case computed. The C# side alternates runs of its own side and the peer's and computes the statistics of both.
An error becomes {"error": "..."} and the peer goes on reading.

Try it by hand:
  printf '%s\n' '{"op": "hello", "threads": 2}' '{"op": "open", "case": "sgemm", "n": 512}' '{"op": "run"}' \
      '{"op": "close"}' | /usr/bin/python3 bench/peers/engine.py
"""

import ctypes
import json
import math
import platform
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

# The op chain, op for op the one in Distill.Bench's OpChain.cs; the C# side sends its list and the peer refuses
# a different one, so the two cannot drift apart silently.
CHAIN_OPS = ["add", "mul", "relu", "sub", "mul_scalar", "add_scalar", "sigmoid", "div", "tanh", "exp"]


def chain(a, b, c):
    x = a + b
    x = x * c
    x = x.relu()
    x = x - a
    x = x * 0.5
    x = x + 1.0
    x = x.sigmoid()
    x = x / b
    x = x.tanh()
    x = x.exp()
    return x


def chain_inputs(elements):
    # The same values as OpChain.Inputs: a in [-1, 1], b in [1, 2], c in [0.5, 1.5].
    def ramp(low, high):
        return torch.tensor([low + (high - low) * i / (elements - 1) for i in range(elements)], dtype=torch.float32)

    return ramp(-1.0, 1.0), ramp(1.0, 2.0), ramp(0.5, 1.5)


def mapped_library(*fragments):
    """The path of the first library mapped into this process whose file name contains one of the fragments."""
    with open("/proc/self/maps", encoding="utf-8") as maps:
        for line in maps:
            slash = line.find("/")
            if slash >= 0 and any(f in line[slash:].rsplit("/", 1)[-1] for f in fragments):
                return line[slash:].strip()
    return ""


def openblas_config(library):
    """OpenBLAS's own description (version, build, the core whose kernels it runs) and its threads; "" otherwise."""
    try:
        blas = ctypes.CDLL(library)
        blas.openblas_get_config.restype = ctypes.c_char_p
        return f"{blas.openblas_get_config().decode()}, {blas.openblas_get_num_threads()} threads"
    except (OSError, AttributeError):
        return ""


def hello(request):
    threads = int(request["threads"])
    torch.set_num_threads(threads)
    blas = mapped_library("libblas.so", "libopenblas")
    return {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "libtorch": mapped_library("libtorch_cpu.so"),
        "blas": blas,
        "blas_config": openblas_config(blas) if blas else "",
    }


class Sgemm:
    """An n×n·n×n fp32 matrix product."""

    def __init__(self, request):
        n = int(request["n"])
        generator = torch.Generator().manual_seed(1)
        self.a = torch.randn(n, n, generator=generator, dtype=torch.float32)
        self.b = torch.randn(n, n, generator=generator, dtype=torch.float32)

    def run(self):
        torch.matmul(self.a, self.b)

    def results(self):
        return {}


class Chain:
    """`iterations` runs of the op chain on small tensors."""

    def __init__(self, request):
        if request["ops"] != CHAIN_OPS:
            raise ValueError(f"the op chain differs from the peer's: got {request['ops']}, the peer runs {CHAIN_OPS}")
        self.a, self.b, self.c = chain_inputs(int(request["elements"]))
        self.iterations = int(request["iterations"])

    def run(self):
        a, b, c = self.a, self.b, self.c
        for _ in range(self.iterations):
            chain(a, b, c)

    def results(self):
        return {"checksum": float(chain(self.a, self.b, self.c).double().sum())}


# ---- a 2-layer GPT-2, written as Distill.Training's Gpt2ForCausalLM computes it ----

def causal_attention(q, k, v, scale):
    """The shim's attention for libtorch 1.13 (no fused kernel there), op for op: grouped-query heads expanded,
    matmul, causal masked_fill, softmax, matmul. q is [B, H, T, D]; k and v are [B, Hkv, S, D]."""
    heads, kv_heads = q.shape[1], k.shape[1]
    batch, source, head_dim = k.shape[0], k.shape[2], k.shape[3]
    if heads != kv_heads:
        # Every key/value head serves heads / kv_heads consecutive query heads.
        rep = heads // kv_heads
        k = k.unsqueeze(2).expand(batch, kv_heads, rep, source, head_dim).reshape(batch, heads, source, head_dim)
        v = v.unsqueeze(2).expand(batch, kv_heads, rep, source, head_dim).reshape(batch, heads, source, head_dim)
    target = q.shape[2]
    scores = torch.matmul(q, k.transpose(-2, -1)) * scale
    hidden = torch.ones((target, source), dtype=torch.bool).triu(source - target + 1)
    scores = scores.masked_fill(hidden, float("-inf"))
    return torch.matmul(torch.softmax(scores, -1), v)


class Conv1D(nn.Module):
    """GPT-2's Conv1D: weight [in, out], y = bias + x·W through addmm."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.empty(n_out))

    def forward(self, x):
        shape = x.shape[:-1] + (self.weight.shape[1],)
        return torch.addmm(self.bias, x.reshape(-1, self.weight.shape[0]), self.weight).view(shape)


class Attention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.hidden = hidden
        self.heads = heads
        self.head_dim = hidden // heads
        self.scale = 1.0 / math.sqrt(self.head_dim)
        self.c_attn = Conv1D(hidden, 3 * hidden)
        self.c_proj = Conv1D(hidden, hidden)

    def split_heads(self, x, batch, length):
        return x.view(batch, length, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x):
        batch, length = x.shape[0], x.shape[1]
        q, k, v = self.c_attn(x).split(self.hidden, 2)
        q = self.split_heads(q, batch, length)
        k = self.split_heads(k, batch, length)
        v = self.split_heads(v, batch, length)
        y = causal_attention(q, k, v, self.scale)
        y = y.transpose(1, 2).reshape(batch, length, self.hidden)
        return self.c_proj(y)


class Mlp(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.c_fc = Conv1D(hidden, 4 * hidden)
        self.c_proj = Conv1D(4 * hidden, hidden)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(hidden, eps=1e-5)
        self.attn = Attention(hidden, heads)
        self.ln_2 = nn.LayerNorm(hidden, eps=1e-5)
        self.mlp = Mlp(hidden)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, vocab, positions, hidden, heads, layers):
        super().__init__()
        self.wte = nn.Embedding(vocab, hidden)
        self.wpe = nn.Embedding(positions, hidden)
        self.h = nn.ModuleList([Block(hidden, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(hidden, eps=1e-5)


class Gpt2(nn.Module):
    """GPT-2 with the LM head tied to wte; dropout is 0 in the benchmark, so it is left out."""

    def __init__(self, vocab, positions, hidden, heads, layers):
        super().__init__()
        self.transformer = Transformer(vocab, positions, hidden, heads, layers)
        projection_std = 0.02 / math.sqrt(2.0 * layers)
        for name, p in self.named_parameters():
            if name.endswith(".bias"):
                nn.init.zeros_(p)
            elif ".ln_" in name:
                nn.init.ones_(p)
            elif name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, projection_std)
            else:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, ids):
        t = self.transformer
        positions = torch.arange(0, ids.shape[1], dtype=torch.long)
        x = t.wte(ids) + t.wpe(positions)
        for block in t.h:
            x = block(x)
        return F.linear(t.ln_f(x), t.wte.weight)


def adamw(model, request):
    """torch.optim.AdamW grouped as Distill's AdamW.ForModule: decay on matrices and embeddings, none on biases and norm scales."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": request["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}],
        lr=request["learning_rate"], betas=(request["beta1"], request["beta2"]), eps=request["eps"])


def learnable_batches(vocab, batch, context, count):
    """Learnable data (the next token is the current one plus 1), so both losses visibly fall from ln(vocab)."""
    inputs = [torch.randint(0, vocab, (batch, context)) for _ in range(count)]
    return [(ids, (ids + 1) % vocab) for ids in inputs]


class Train:
    """One training step: forward, cross-entropy, backward, clip, AdamW, zero-grad."""

    def __init__(self, request):
        self.vocab = int(request["vocab"])
        hidden, heads = int(request["hidden"]), int(request["heads"])
        layers, context, batch = int(request["layers"]), int(request["context"]), int(request["batch"])
        self.clip = float(request["clip"])
        torch.manual_seed(int(request["seed"]))
        self.model = Gpt2(self.vocab, context, hidden, heads, layers)
        self.model.train()
        self.optimizer = adamw(self.model, request)
        self.parameters = list(self.model.parameters())
        self.batches = learnable_batches(self.vocab, batch, context, int(request["batches"]))
        self.check_step = int(request["check_step"])
        self.losses = []

    def run(self):
        ids, target = self.batches[len(self.losses) % len(self.batches)]
        logits = self.model(ids)
        loss = F.cross_entropy(logits.view(-1, self.vocab), target.view(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.parameters, self.clip)
        self.optimizer.step()
        # Distill's ZeroGrad drops the gradients (set_to_none), so the next backward allocates them in both.
        self.optimizer.zero_grad(set_to_none=True)
        self.losses.append(loss.item())

    def results(self):
        return {
            "parameters": sum(p.numel() for p in self.model.parameters()),
            "first_loss": self.losses[0],
            "check_loss": self.losses[self.check_step - 1],
        }


CASES = {"sgemm": Sgemm, "chain": Chain, "train": Train}


class Peer:
    """Holds the open case between requests; `cases` maps case names to their classes."""

    def __init__(self, cases):
        self.cases = cases
        self.case = None

    def handle(self, request):
        op = request.get("op")
        if op == "hello":
            return hello(request)
        if op == "open":
            name = request.get("case")
            if name not in self.cases:
                raise ValueError(f"unknown case {name!r}; the peer knows {sorted(self.cases)}")
            self.case = None
            self.case = self.cases[name](request)
            return {"ok": True}
        if self.case is None:
            raise ValueError(f"no case is open for {op!r}")
        if op == "warmup":
            # At least `runs` runs and at least `seconds`, as on the C# side.
            start, runs = time.perf_counter(), 0
            while runs < int(request["runs"]) or time.perf_counter() - start < float(request["seconds"]):
                self.case.run()
                runs += 1
            return {"ok": True}
        if op == "run":
            start = time.perf_counter()
            self.case.run()
            return {"seconds": time.perf_counter() - start}
        if op == "close":
            results, self.case = self.case.results(), None
            return results
        raise ValueError(f"unknown op {op!r}; the peer knows hello, open, warmup, run, close")


def serve(cases):
    """Answers requests from stdin until it closes (the protocol loop of every peer)."""
    peer = Peer(cases)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = peer.handle(json.loads(line))
        except Exception as error:  # every failure goes back to the C# side, which names the case
            reply = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve(CASES)
