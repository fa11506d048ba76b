#!/usr/bin/env python3
"""Independent float64 NumPy reference for PolyICL's model (Garg et al.'s TransformerModel on
a Hugging Face GPT-2 backbone): forward pass, mean-squared-error loss and a hand-written
backward pass. Before answering, it checks its own backward pass against central finite
differences on a sample of parameters, so a wrong reference cannot silently agree.

Usage: gpt2_numpy.py DIR
  DIR/config.json  {embedding, layers, heads, points, inputDimension, positionalEmbeddings,
                    count, batchPoints, layout: [{name, shape, offset}]}
  DIR/parameters.f32, DIR/xs.f32 [count, batchPoints, inputDimension], DIR/ys.f32 [count, batchPoints]
Writes DIR/predictions.f64, DIR/gradients.f64 (flat, layout order) and DIR/result.json
{loss, finiteDifferenceMaxRelativeError}. Exits 1 if its own gradient check fails.
"""
import json
import math
import sys

import numpy as np

EPS = 1e-5


def layernorm_forward(x, g, b):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    rstd = 1.0 / np.sqrt(var + EPS)
    xhat = (x - mean) * rstd
    return xhat * g + b, (xhat, rstd)


def layernorm_backward(dy, g, cache):
    xhat, rstd = cache
    dg = (dy * xhat).reshape(-1, xhat.shape[-1]).sum(0)
    db = dy.reshape(-1, xhat.shape[-1]).sum(0)
    dxhat = dy * g
    dx = rstd * (dxhat - dxhat.mean(-1, keepdims=True) - xhat * (dxhat * xhat).mean(-1, keepdims=True))
    return dx, dg, db


K = math.sqrt(2.0 / math.pi)


def gelu_forward(x):
    return 0.5 * x * (1.0 + np.tanh(K * (x + 0.044715 * x ** 3)))


def gelu_backward(dy, x):
    t = np.tanh(K * (x + 0.044715 * x ** 3))
    return dy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * K * (1 + 3 * 0.044715 * x * x))


def unpack(flat, layout):
    return {s["name"]: flat[s["offset"]: s["offset"] + int(np.prod(s["shape"]))].reshape(s["shape"]) for s in layout}


def forward(p, cfg, xs, ys):
    B, N, D = xs.shape
    T, C, H, L = 2 * N, cfg["embedding"], cfg["heads"], cfg["layers"]
    hs = C // H
    tokens = np.zeros((B, T, D))
    tokens[:, 0::2, :] = xs
    tokens[:, 1::2, 0] = ys
    h = tokens @ p["_read_in.weight"].T + p["_read_in.bias"]
    if cfg["positionalEmbeddings"]:
        h = h + p["_backbone.wpe.weight"][:T]
    caches = []
    mask = np.tril(np.ones((T, T), dtype=bool))
    for i in range(L):
        n = f"_backbone.h.{i}."
        x = h
        ln1, c1 = layernorm_forward(x, p[n + "ln_1.weight"], p[n + "ln_1.bias"])
        qkv = ln1 @ p[n + "attn.c_attn.weight"] + p[n + "attn.c_attn.bias"]
        q, k, v = (qkv[..., j * C:(j + 1) * C].reshape(B, T, H, hs).transpose(0, 2, 1, 3) for j in range(3))
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hs)
        s = np.where(mask, s, -np.inf)
        s = s - s.max(-1, keepdims=True)
        e = np.exp(s)
        att = e / e.sum(-1, keepdims=True)
        y = (att @ v).transpose(0, 2, 1, 3).reshape(B, T, C)
        h2 = x + y @ p[n + "attn.c_proj.weight"] + p[n + "attn.c_proj.bias"]
        ln2, c2 = layernorm_forward(h2, p[n + "ln_2.weight"], p[n + "ln_2.bias"])
        f = ln2 @ p[n + "mlp.c_fc.weight"] + p[n + "mlp.c_fc.bias"]
        gl = gelu_forward(f)
        h = h2 + gl @ p[n + "mlp.c_proj.weight"] + p[n + "mlp.c_proj.bias"]
        caches.append((x, ln1, c1, q, k, v, att, y, h2, ln2, c2, f, gl))
    lnf, cf = layernorm_forward(h, p["_backbone.ln_f.weight"], p["_backbone.ln_f.bias"])
    preds = lnf[:, 0::2, :] @ p["_read_out.weight"][0] + p["_read_out.bias"][0]
    loss = np.mean((preds - ys) ** 2)
    return preds, loss, (tokens, caches, h, lnf, cf)


def backward(p, cfg, xs, ys, preds, cache):
    tokens, caches, hL, lnf, cf = cache
    B, N, D = xs.shape
    T, C, H, L = 2 * N, cfg["embedding"], cfg["heads"], cfg["layers"]
    hs = C // H
    g = {name: np.zeros_like(v) for name, v in p.items()}
    dpred = 2.0 * (preds - ys) / preds.size
    g["_read_out.bias"][0] = dpred.sum()
    g["_read_out.weight"][0] = np.einsum("bn,bnc->c", dpred, lnf[:, 0::2, :])
    dlnf = np.zeros_like(lnf)
    dlnf[:, 0::2, :] = dpred[..., None] * p["_read_out.weight"][0]
    dh, g["_backbone.ln_f.weight"], g["_backbone.ln_f.bias"] = layernorm_backward(dlnf, p["_backbone.ln_f.weight"], cf)
    for i in reversed(range(L)):
        n = f"_backbone.h.{i}."
        x, ln1, c1, q, k, v, att, y, h2, ln2, c2, f, gl = caches[i]
        # MLP branch
        g[n + "mlp.c_proj.bias"] = dh.sum((0, 1))
        g[n + "mlp.c_proj.weight"] = np.einsum("bti,bto->io", gl, dh)
        dgl = dh @ p[n + "mlp.c_proj.weight"].T
        df = gelu_backward(dgl, f)
        g[n + "mlp.c_fc.bias"] = df.sum((0, 1))
        g[n + "mlp.c_fc.weight"] = np.einsum("bti,bto->io", ln2, df)
        dln2 = df @ p[n + "mlp.c_fc.weight"].T
        dx2, g[n + "ln_2.weight"], g[n + "ln_2.bias"] = layernorm_backward(dln2, p[n + "ln_2.weight"], c2)
        dh2 = dh + dx2
        # attention branch
        g[n + "attn.c_proj.bias"] = dh2.sum((0, 1))
        g[n + "attn.c_proj.weight"] = np.einsum("bti,bto->io", y, dh2)
        dy = (dh2 @ p[n + "attn.c_proj.weight"].T).reshape(B, T, H, hs).transpose(0, 2, 1, 3)
        datt = dy @ v.transpose(0, 1, 3, 2)
        dv = att.transpose(0, 1, 3, 2) @ dy
        ds = att * (datt - (att * datt).sum(-1, keepdims=True)) / math.sqrt(hs)
        dq = ds @ k
        dk = ds.transpose(0, 1, 3, 2) @ q
        dqkv = np.concatenate([t.transpose(0, 2, 1, 3).reshape(B, T, C) for t in (dq, dk, dv)], axis=-1)
        g[n + "attn.c_attn.bias"] = dqkv.sum((0, 1))
        g[n + "attn.c_attn.weight"] = np.einsum("bti,bto->io", ln1, dqkv)
        dln1 = dqkv @ p[n + "attn.c_attn.weight"].T
        dx1, g[n + "ln_1.weight"], g[n + "ln_1.bias"] = layernorm_backward(dln1, p[n + "ln_1.weight"], c1)
        dh = dh2 + dx1
    if cfg["positionalEmbeddings"]:
        g["_backbone.wpe.weight"][:T] = dh.sum(0)
    g["_read_in.bias"] = dh.sum((0, 1))
    g["_read_in.weight"] = np.einsum("btc,btd->cd", dh, tokens)
    return g


def flatten(g, layout, total):
    flat = np.zeros(total)
    for s in layout:
        flat[s["offset"]: s["offset"] + int(np.prod(s["shape"]))] = np.asarray(g[s["name"]]).reshape(-1)
    return flat


def main():
    directory = sys.argv[1]
    with open(f"{directory}/config.json") as f:
        cfg = json.load(f)
    layout = cfg["layout"]
    total = sum(int(np.prod(s["shape"])) for s in layout)
    flat = np.fromfile(f"{directory}/parameters.f32", dtype="<f4").astype(np.float64)
    assert flat.size == total, f"parameters.f32 has {flat.size} floats, layout needs {total}"
    B, N, D = cfg["count"], cfg["batchPoints"], cfg["inputDimension"]
    xs = np.fromfile(f"{directory}/xs.f32", dtype="<f4").astype(np.float64).reshape(B, N, D)
    ys = np.fromfile(f"{directory}/ys.f32", dtype="<f4").astype(np.float64).reshape(B, N)

    preds, loss, cache = forward(unpack(flat, layout), cfg, xs, ys)
    grads = flatten(backward(unpack(flat, layout), cfg, xs, ys, preds, cache), layout, total)

    # Check the hand-written backward against central differences on a sample of parameters
    # (several from every tensor), all in float64.
    rng = np.random.default_rng(0)
    worst = 0.0
    for s in layout:
        size = int(np.prod(s["shape"]))
        if s["name"] == "_backbone.wpe.weight":
            size = min(size, 2 * N * cfg["embedding"])  # rows past 2N positions get no gradient
        for j in rng.choice(size, size=min(size, 4), replace=False):
            index = s["offset"] + int(j)
            h = 1e-6
            plus, minus = flat.copy(), flat.copy()
            plus[index] += h
            minus[index] -= h
            numeric = (forward(unpack(plus, layout), cfg, xs, ys)[1] - forward(unpack(minus, layout), cfg, xs, ys)[1]) / (2 * h)
            error = abs(numeric - grads[index]) / max(1e-4, abs(numeric) + abs(grads[index]))
            worst = max(worst, error)
    preds.astype("<f8").tofile(f"{directory}/predictions.f64")
    grads.astype("<f8").tofile(f"{directory}/gradients.f64")
    with open(f"{directory}/result.json", "w") as f:
        json.dump({"loss": float(loss), "finiteDifferenceMaxRelativeError": worst}, f)
    if worst > 1e-4:
        print(f"gpt2_numpy.py: own backward disagrees with finite differences (worst relative error {worst:.3g})", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
