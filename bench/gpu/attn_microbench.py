"""Decode attention for ONE Nemotron-3-Nano attention layer (32 q heads, 2 kv heads, d=128, bf16)
at long context, with vLLM 0.26's own kernels, per KV page size: is decode attention the
bottleneck at 550K tokens, and does the page size (2176 with prefix caching) or the split count
matter? Also replays a CUDA graph captured at a short context (as vLLM captures its decode graphs)
with metadata updated for the long one.

Run on the device with vLLM importable (PYTHONPATH=/tmp/vllm-site). Prints a table and writes JSON
to $OUT/attn_microbench.json. Times are medians of CUDA-event-timed runs (ms per call)."""
import json
import os
import sys
import time

import torch

from vllm.vllm_flash_attn.flash_attn_interface import flash_attn_varlen_func, get_scheduler_metadata

HQ, HK, D = 32, 2, 128
LONG = int(os.environ.get("MB_LONG", "539000"))
dev = "cuda"
torch.manual_seed(0)


def timeit(fn, reps=30, warm=5):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        a = torch.cuda.Event(enable_timing=True)
        b = torch.cuda.Event(enable_timing=True)
        a.record(); fn(); b.record(); b.synchronize()
        ts.append(a.elapsed_time(b))
    ts.sort()
    return ts[len(ts) // 2]


def make_cache(L, page):
    nblocks = (L + page - 1) // page + 1
    k = torch.randn(nblocks, page, HK, D, device=dev, dtype=torch.bfloat16)
    v = torch.randn(nblocks, page, HK, D, device=dev, dtype=torch.bfloat16)
    bt = torch.randperm(nblocks, device=dev, dtype=torch.int32)[: (L + page - 1) // page].unsqueeze(0).contiguous()
    return k, v, bt


def ref_attn(q, k, v, bt, L, page):
    # float32 reference on the gathered cache (only used at the short context)
    kk = k[bt[0].long()].reshape(-1, HK, D)[:L].float()
    vv = v[bt[0].long()].reshape(-1, HK, D)[:L].float()
    qq = q[0].float().view(HK, HQ // HK, D)
    s = torch.einsum("hgd,lhd->hgl", qq, kk) / D**0.5
    p = s.softmax(-1)
    return torch.einsum("hgl,lhd->hgd", p, vv).reshape(HQ, D)


def fa3(q, k, v, bt, L, page, splits, meta=True, out=None):
    cu = torch.tensor([0, 1], device=dev, dtype=torch.int32)
    su = torch.tensor([L], device=dev, dtype=torch.int32)
    sm = None
    if meta:
        sm = get_scheduler_metadata(batch_size=1, max_seqlen_q=1, max_seqlen_k=L, num_heads_q=HQ, num_heads_kv=HK,
                                    headdim=D, cache_seqlens=su, qkv_dtype=torch.bfloat16, cu_seqlens_q=cu,
                                    page_size=page, causal=True, num_splits=splits)
    out = out if out is not None else torch.empty_like(q)

    def run():
        flash_attn_varlen_func(q=q, k=k, v=v, out=out, cu_seqlens_q=cu, max_seqlen_q=1, seqused_k=su, max_seqlen_k=L,
                               softmax_scale=D**-0.5, causal=True, block_table=bt, scheduler_metadata=sm,
                               num_splits=splits, fa_version=3)
    return run, out


def main():
    rows = []
    print(torch.cuda.get_device_name(), torch.__version__, flush=True)
    # correctness at a short context for the page size used with prefix caching
    for page in (16, 2176):
        L = 5000
        k, v, bt = make_cache(L, page)
        q = torch.randn(1, HQ, D, device=dev, dtype=torch.bfloat16)
        run, out = fa3(q, k, v, bt, L, page, 32)
        run(); torch.cuda.synchronize()
        ref = ref_attn(q, k, v, bt, L, page)
        err = ((out[0].float() - ref).norm() / ref.norm()).item()
        print(f"check page={page} L={L}: rel err {err:.2e}", flush=True)
        rows.append({"kind": "check", "page": page, "L": L, "rel_err": err})
    bytes_long = LONG * HK * D * 2 * 2
    for page in (16, 64, 256, 1072, 1152, 2096, 2176):
        k, v, bt = make_cache(LONG, page)
        q = torch.randn(1, HQ, D, device=dev, dtype=torch.bfloat16)
        for splits, meta in ((0, False), (1, True), (32, True), (64, True), (128, True)):
            try:
                run, _ = fa3(q, k, v, bt, LONG, page, splits, meta)
                ms = timeit(run)
            except Exception as e:  # noqa: BLE001
                ms = None
                print("fail", page, splits, repr(e)[:200], flush=True)
            gbs = bytes_long / (ms * 1e-3) / 1e9 if ms else None
            rows.append({"kind": "fa3", "page": page, "L": LONG, "splits": splits, "aot_meta": meta, "ms": ms, "GBps": gbs})
            print(f"fa3 page={page:5d} L={LONG} splits={splits:3d} meta={meta!s:5}: {ms if ms is None else round(ms, 3)} ms"
                  f"  ({gbs and round(gbs)} GB/s)", flush=True)
        # vLLM-style full CUDA graph: captured at a short context, replayed at the long one
        try:
            cu = torch.tensor([0, 1], device=dev, dtype=torch.int32)
            su = torch.tensor([64], device=dev, dtype=torch.int32)
            meta0 = get_scheduler_metadata(batch_size=1, max_seqlen_q=1, max_seqlen_k=64, num_heads_q=HQ, num_heads_kv=HK,
                                           headdim=D, cache_seqlens=su, qkv_dtype=torch.bfloat16, cu_seqlens_q=cu,
                                           page_size=page, causal=True, num_splits=32)
            buf = torch.zeros(max(meta0.numel(), 1 + 4 * 4), dtype=torch.int32, device=dev)
            buf[: meta0.numel()].copy_(meta0)
            out = torch.empty_like(q)

            def g_run():
                flash_attn_varlen_func(q=q, k=k, v=v, out=out, cu_seqlens_q=cu, max_seqlen_q=1, seqused_k=su, max_seqlen_k=64,
                                       softmax_scale=D**-0.5, causal=True, block_table=bt,
                                       scheduler_metadata=buf[: meta0.numel()], num_splits=32, fa_version=3)
            s = torch.cuda.Stream()
            with torch.cuda.stream(s):
                g_run()
            torch.cuda.synchronize()
            g = torch.cuda.CUDAGraph()
            with torch.cuda.graph(g):
                g_run()
            su.fill_(LONG)
            m1 = get_scheduler_metadata(batch_size=1, max_seqlen_q=1, max_seqlen_k=LONG, num_heads_q=HQ, num_heads_kv=HK,
                                        headdim=D, cache_seqlens=su, qkv_dtype=torch.bfloat16, cu_seqlens_q=cu,
                                        page_size=page, causal=True, num_splits=32)
            buf[: m1.numel()].copy_(m1)
            ms = timeit(g.replay)
            rows.append({"kind": "fa3_graph_short_capture", "page": page, "L": LONG, "splits": 32, "ms": ms})
            print(f"fa3 graph (captured at L=64, replayed at L={LONG}) page={page}: {ms:.3f} ms", flush=True)
        except Exception as e:  # noqa: BLE001
            print("graph fail", page, repr(e)[:300], flush=True)
        del k, v
        torch.cuda.empty_cache()
    # Triton unified attention (vLLM's TRITON_ATTN backend), 3D (segmented) decode path as the backend calls it
    try:
        from vllm.v1.attention.ops.triton_unified_attention import unified_attention
        for page in (16, 2176):
            k, v, bt = make_cache(LONG, page)
            q = torch.randn(1, HQ, D, device=dev, dtype=torch.bfloat16)
            out = torch.empty_like(q)
            cu = torch.tensor([0, 1], device=dev, dtype=torch.int32)
            su = torch.tensor([LONG], device=dev, dtype=torch.int32)
            segs, thr = 16, 64
            so = torch.empty(thr, HQ, segs, D, device=dev, dtype=torch.float32)
            smax = torch.empty(thr, HQ, segs, device=dev, dtype=torch.float32)
            sexp = torch.empty(thr, HQ, segs, device=dev, dtype=torch.float32)

            def t_run():
                unified_attention(q=q, k=k, v=v, out=out, cu_seqlens_q=cu, max_seqlen_q=1, seqused_k=su, max_seqlen_k=LONG,
                                  softmax_scale=D**-0.5, causal=True, window_size=(-1, -1), block_table=bt, softcap=0,
                                  q_descale=None, k_descale=None, v_descale=None, seq_threshold_3D=thr,
                                  num_par_softmax_segments=segs, softmax_segm_output=so, softmax_segm_max=smax,
                                  softmax_segm_expsum=sexp)
            ms = timeit(t_run, reps=10, warm=2)
            rows.append({"kind": "triton_unified", "page": page, "L": LONG, "ms": ms})
            print(f"triton unified page={page:5d} L={LONG}: {ms:.3f} ms", flush=True)
            del k, v
            torch.cuda.empty_cache()
    except Exception as e:  # noqa: BLE001
        print("triton fail", repr(e)[:300], flush=True)
    out = os.environ.get("OUT")
    if out:
        json.dump(rows, open(os.path.join(out, "attn_microbench.json"), "w"), indent=1)


if __name__ == "__main__":
    t = time.time()
    main()
    print(f"microbench {time.time() - t:.0f}s", flush=True)
