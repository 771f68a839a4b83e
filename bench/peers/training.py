#!/usr/bin/python3
"""The PyTorch side of `distill-bench training`: the sgemm peak and full training steps of a GPT-2 and a Llama.

Started by Distill.Bench with Debian's /usr/bin/python3 (python3-torch 1.13, the libtorch the engine links); it
speaks engine.py's protocol (hello, open, warmup, run, close) and reuses its sgemm case, its GPT-2 and its
attention. The Llama below is written as Distill.Training's LlamaForCausalLM computes it: RMSNorm in fp32 then cast
back, rotary positions in the half-split (rotate_half) convention with cos/sin tables cached for 256 positions,
grouped-query attention by expanding k and v, the shim's attention composition for 1.13, SwiGLU, an untied head.

A step here is the plain PyTorch one: forward to the logits [B, T, V], cross-entropy over all of them at once in
fp32, backward. Distill's side runs its trainer's LanguageModelingObjective instead, which computes the same loss
and gradients in chunks of positions (see bench/README.md).

Try it by hand:
  open='{"op": "open", "case": "llama", "layers": 1, "hidden": 64, "heads": 4, "kv_heads": 2, "intermediate": 176,
  "context": 32, "batch": 2, "vocab": 256, "norm_eps": 1e-5, "rope_theta": 10000, "learning_rate": 1e-3,
  "weight_decay": 0.1, "beta1": 0.9, "beta2": 0.95, "eps": 1e-8, "clip": 1.0, "batches": 2, "seed": 1,
  "check_step": 1}'
  printf '%s\n' '{"op": "hello", "threads": 2}' "$(echo $open)" '{"op": "run"}' '{"op": "close"}' \
      | /usr/bin/python3 bench/peers/training.py
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from engine import Gpt2, Sgemm, adamw, causal_attention, learnable_batches, serve

# Distill's RotaryEmbedding builds its cos/sin tables for at least this many positions and narrows them per forward.
ROTARY_CACHE = 256


class RmsNorm(nn.Module):
    """Distill's RMSNorm for libtorch 1.13: in (at least) fp32, cast back, then the scale."""

    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        x32 = x.to(torch.promote_types(x.dtype, torch.float32))
        y = (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)).to(x.dtype)
        return self.weight * y


class Rotary:
    """cos and sin tables [positions, head_dim] in the half-split convention, frequencies θ^(−2i/d) in double then fp32."""

    def __init__(self, head_dim, theta):
        inverse = torch.tensor([1.0 / math.pow(theta, 2.0 * i / head_dim) for i in range(head_dim // 2)], dtype=torch.float32)
        positions = torch.arange(0, ROTARY_CACHE, 1, dtype=torch.float32)
        frequencies = torch.outer(positions, inverse)
        angles = torch.cat([frequencies, frequencies], -1)
        self.cos, self.sin = angles.cos(), angles.sin()

    def tables(self, length):
        return self.cos.narrow(0, 0, length), self.sin.narrow(0, 0, length)


def rotate(x, cos, sin):
    """x·cos + rotate_half(x)·sin for x [B, H, T, D]."""
    half = x.shape[-1] // 2
    rotated = torch.cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], -1)
    return x * cos.to(x.dtype) + rotated * sin.to(x.dtype)


class LlamaAttention(nn.Module):
    def __init__(self, hidden, heads, kv_heads, head_dim):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, head_dim
        self.scale = 1.0 / math.sqrt(head_dim)
        self.q_proj = nn.Linear(hidden, heads * head_dim, bias=False)
        self.k_proj = nn.Linear(hidden, kv_heads * head_dim, bias=False)
        self.v_proj = nn.Linear(hidden, kv_heads * head_dim, bias=False)
        self.o_proj = nn.Linear(heads * head_dim, hidden, bias=False)

    def split(self, x, batch, length, heads):
        return x.view(batch, length, heads, self.head_dim).transpose(1, 2)

    def forward(self, x, cos, sin):
        batch, length = x.shape[0], x.shape[1]
        q = rotate(self.split(self.q_proj(x), batch, length, self.heads), cos, sin)
        k = rotate(self.split(self.k_proj(x), batch, length, self.kv_heads), cos, sin)
        v = self.split(self.v_proj(x), batch, length, self.kv_heads)
        y = causal_attention(q, k, v, self.scale)
        return self.o_proj(y.transpose(1, 2).reshape(batch, length, self.heads * self.head_dim))


class LlamaMlp(nn.Module):
    """SwiGLU: down(silu(gate(x)) · up(x))."""

    def __init__(self, hidden, intermediate):
        super().__init__()
        self.gate_proj = nn.Linear(hidden, intermediate, bias=False)
        self.up_proj = nn.Linear(hidden, intermediate, bias=False)
        self.down_proj = nn.Linear(intermediate, hidden, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaDecoderLayer(nn.Module):
    def __init__(self, hidden, heads, kv_heads, head_dim, intermediate, eps):
        super().__init__()
        self.input_layernorm = RmsNorm(hidden, eps)
        self.self_attn = LlamaAttention(hidden, heads, kv_heads, head_dim)
        self.post_attention_layernorm = RmsNorm(hidden, eps)
        self.mlp = LlamaMlp(hidden, intermediate)


class LlamaBackbone(nn.Module):
    def __init__(self, vocab, hidden, heads, kv_heads, head_dim, intermediate, layers, eps):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, hidden)
        self.layers = nn.ModuleList(
            [LlamaDecoderLayer(hidden, heads, kv_heads, head_dim, intermediate, eps) for _ in range(layers)])
        self.norm = RmsNorm(hidden, eps)


class Llama(nn.Module):
    """LlamaForCausalLM with an untied lm_head, no biases, no dropout; initialised as Hugging Face's _init_weights."""

    def __init__(self, vocab, hidden, heads, kv_heads, intermediate, layers, eps, theta):
        super().__init__()
        head_dim = hidden // heads
        self.model = LlamaBackbone(vocab, hidden, heads, kv_heads, head_dim, intermediate, layers, eps)
        self.lm_head = nn.Linear(hidden, vocab, bias=False)
        self.rotary = Rotary(head_dim, theta)
        for name, p in self.named_parameters():
            if name.endswith("norm.weight"):
                nn.init.ones_(p)
            else:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, ids):
        cos, sin = self.rotary.tables(ids.shape[1])
        x = self.model.embed_tokens(ids)
        for layer in self.model.layers:
            x = x + layer.self_attn(layer.input_layernorm(x), cos, sin)
            x = x + layer.mlp(layer.post_attention_layernorm(x))
        return self.lm_head(self.model.norm(x))


class Step:
    """One full training step: forward, cross-entropy in fp32, backward, clip, AdamW, zero-grad (set to none)."""

    def __init__(self, request):
        self.vocab = vocab = int(request["vocab"])
        hidden, heads, layers = int(request["hidden"]), int(request["heads"]), int(request["layers"])
        context, batch = int(request["context"]), int(request["batch"])
        self.clip = float(request["clip"])
        torch.manual_seed(int(request["seed"]))
        if request["case"] == "gpt2":
            self.model = Gpt2(vocab, context, hidden, heads, layers)
            # The position embeddings are only looked up; the token embedding is also the (tied) head.
            lookup_only = self.model.transformer.wpe.weight.numel()
        else:
            self.model = Llama(vocab, hidden, heads, int(request["kv_heads"]), int(request["intermediate"]), layers,
                               float(request["norm_eps"]), float(request["rope_theta"]))
            # The token embedding is only looked up; the untied lm_head multiplies.
            lookup_only = self.model.model.embed_tokens.weight.numel()
        self.model.train()
        self.optimizer = adamw(self.model, request)
        self.parameters = list(self.model.parameters())
        self.parameter_count = sum(p.numel() for p in self.parameters)
        self.matmul_parameters = self.parameter_count - lookup_only
        self.batches = learnable_batches(vocab, batch, context, int(request["batches"]))
        self.check_step = int(request["check_step"])
        self.losses = []

    def run(self):
        ids, target = self.batches[len(self.losses) % len(self.batches)]
        logits = self.model(ids)
        loss = F.cross_entropy(logits.view(-1, self.vocab).float(), target.view(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.parameters, self.clip)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.losses.append(loss.item())

    def results(self):
        return {
            "parameters": self.parameter_count,
            "matmul_parameters": self.matmul_parameters,
            "first_loss": self.losses[0],
            "check_loss": self.losses[self.check_step - 1],
        }


CASES = {"sgemm": Sgemm, "gpt2": Step, "llama": Step}


if __name__ == "__main__":
    serve(CASES)
