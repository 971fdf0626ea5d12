#!/usr/bin/env python3
"""PyTorch reference DCGAN on Fashion-MNIST, trained the way `gan train dcgan --data fashion-mnist`
(preset dcgan28) trains, saving generated samples for FID comparison with `gan eval --samples FILE.npy`.

Models: `DC28Gen` / `DC28Disc` (with BatchNorm) and NZ imported from ../shared/bench/torch_bench.py
(`--bench`); the parameter counts are checked against the Swift dcgan28 networks.

What is copied from the Swift trainer (Sources/GANModels/DCGAN/DCGANConfig.swift, Shared/AdversarialLoss.swift,
Adversarial/NetworkSettings.swift, Adversarial/AdversarialModel.swift, Training/Trainer.swift, GANLayers/Initializers.swift,
GANData/Batcher.swift, GANData/PixelKernels.swift):
  init     `Initializer.dcgan`, applied to G and to D: Conv2d, ConvTranspose2d AND Linear weights
           N(0, 0.02), their biases 0; BatchNorm weights N(1, 0.02), biases 0.  (pytorch/examples'
           `dcgan_weights_init` leaves Linear layers and conv biases at PyTorch's defaults; ours does not,
           so this script uses `swift_dcgan_init` below, not `torch_bench.dcgan_weights_init`.)
  data     Fashion-MNIST train images (60,000), bytes v -> float32(v / 127.5 - 1) (computed in float64,
           as PixelKernels.byteToSigned), [N, 1, 28, 28]; a fresh random order every epoch, batch 64,
           the last partial batch dropped (937 batches per epoch), no flips.
  step     (GANModel.trainingStep with discriminatorSteps == 1, i.e. the fake batch is reused):
             z ~ N(0, 1) [64, NZ] (fresh every step); fake = G(z)          (G in train mode)
             D: loss_D = softplus(-D(x)).mean() + softplus(D(fake.detach())).mean()
                       = BCEwithLogits(D(x), 1) + BCEwithLogits(D(fake.detach()), 0)   (one backward)
                Adam step on D.
             G: loss_G = softplus(-D(fake)).mean() = BCEwithLogits(D(fake), 1)  -- non-saturating, on the
                SAME fake (no new z), scored by the just-updated D (D in train mode: batch statistics);
                Adam step on G.
           No label smoothing, no noise, no gradient penalty, no EMA, no LR decay (images), no clipping.
  optim    Adam(lr 2e-4, betas (0.5, 0.999), eps 1e-8) for each network.
  BN       momentum 0.1, eps 1e-5, unbiased running variance (same as PyTorch).
  logging  every --log-every (50) steps, like metrics.jsonl: mean losses over the window, D(x) and
           D(G(z)) = mean sigmoid of the logits of that step's D step (before the D update), gradient
           norms, images/s = real samples / seconds spent in training steps over the window.
  sampling G in eval mode (BatchNorm running statistics), no grad, as GANModel.generate.

Differences that remain (see also the report printed at the end):
  * random streams: PyTorch/NumPy generators seeded from --seed (init: seed, latents: seed+1,
    shuffle: seed+2, sample latents: seed+3) instead of the Swift RandomGenerator, so runs agree in
    distribution, not bit for bit.
  * G's backward goes through D's weights too (PyTorch computes D's weight gradients, which are
    discarded by D.zero_grad next step, exactly as pytorch/examples and torch_bench.py do); only speed
    is affected, not results.

Outputs in --out:
  samples-step-XXXXXX.npy  float32 [N, 1, 28, 28] in [-1, 1] at every snapshot and at the end
                           (the same fixed latents each time)
  grid-step-XXXXXX.png     8x8 grid of the first 64 of those samples (padding 2, black, as ImageGrid)
  log.jsonl                one line per logging step
  run.json                 settings, wall time, images/s, load averages

Usage: python scripts/torch_dcgan_reference.py --out /work/runs/torch-dcgan-ref [--steps 1874] [--seed 0]
           [--threads 2] [--snapshot-every 937] [--samples 10000] [--log-every 50] [--omp-passive] [--bench DIR]
"""
import argparse, gzip, json, math, os, struct, sys, time, zlib

import numpy as np

# libgomp reads OMP_WAIT_POLICY once, when torch loads: with other processes on the CPUs, the default
# spin-waiting of 2 OpenMP threads is several times slower than PASSIVE (measured here: ~1.5 s vs
# ~0.25 s per step at load average ~6 on 2 vCPUs).
if "--omp-passive" in sys.argv[1:]:
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 64
FASHION = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
# Parameter counts of the Swift dcgan28 networks (NZ = 100, width 64, conv biases, BatchNorm in D).
G_PARAMS, D_PARAMS = 766_017, 138_817


def import_bench(bench_dir):
    sys.path.insert(0, os.path.abspath(bench_dir))
    import torch_bench  # clean to import: models and helpers, main() guarded
    return torch_bench


def swift_dcgan_init(module, generator):
    """GANLayers `Initializer.dcgan`: conv / transposed conv / linear weights N(0, 0.02), biases 0;
    BatchNorm weights N(1, 0.02), biases 0."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                m.weight.normal_(0.0, 0.02, generator=generator)
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, nn.modules.batchnorm._BatchNorm):
                if m.weight is not None:
                    m.weight.normal_(1.0, 0.02, generator=generator)
                if m.bias is not None:
                    m.bias.zero_()


def read_idx_images(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 2051:
        raise ValueError(f"{path}: not an IDX image file (magic {magic:#x}, expected 0x803)")
    pixels = np.frombuffer(data, dtype=np.uint8, offset=16)
    if pixels.size != n * rows * cols:
        raise ValueError(f"{path}: expected {n}x{rows}x{cols} bytes, found {pixels.size}")
    return pixels.reshape(n, 1, rows, cols)


def write_png_grid(samples, path, per_row=8, padding=2):
    """samples [N, 1, H, W] in [-1, 1] -> greyscale PNG grid (torchvision make_grid layout, pad 0 = black)."""
    n, c, h, w = samples.shape
    rows = math.ceil(n / per_row)
    cols = min(n, per_row)
    grid = np.zeros((rows * (h + padding) + padding, cols * (w + padding) + padding), dtype=np.uint8)
    img = np.clip((samples[:, 0] + 1) * 127.5 + 0.5, 0, 255).astype(np.uint8)
    for i in range(n):
        r, q = divmod(i, per_row)
        y, x = padding + r * (h + padding), padding + q * (w + padding)
        grid[y:y + h, x:x + w] = img[i]
    height, width = grid.shape
    raw = b"".join(b"\x00" + grid[y].tobytes() for y in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(png)


def grad_norm(params):
    return math.sqrt(sum(float(p.grad.detach().pow(2).sum()) for p in params if p.grad is not None))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="/work/runs/torch-dcgan-ref")
    ap.add_argument("--steps", type=int, default=1874, help="generator steps (937 per epoch); default 2 epochs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--snapshot-every", type=int, default=937)
    ap.add_argument("--samples", type=int, default=10000)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--data", default=FASHION)
    ap.add_argument("--omp-passive", action="store_true",
                    help="set OMP_WAIT_POLICY=PASSIVE (much faster when other processes share the CPUs)")
    ap.add_argument("--bench", default=os.path.join(REPO, "..", "shared", "bench"))
    args = ap.parse_args()

    load_start = os.getloadavg()
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    os.makedirs(args.out, exist_ok=True)

    tb = import_bench(args.bench)
    NZ = tb.NZ

    # ---- data: bytes -> float32 exactly as PixelKernels.byteToSigned (v / 127.5 - 1 in float64)
    table = (np.arange(256, dtype=np.float64) / 127.5 - 1).astype(np.float32)
    images = torch.from_numpy(table[read_idx_images(args.data)])  # [60000, 1, 28, 28] float32
    n_data = images.shape[0]
    per_epoch = n_data // BATCH  # drop last

    # ---- models (init seed = --seed)
    torch.manual_seed(args.seed)
    init_gen = torch.Generator().manual_seed(args.seed)
    G, D = tb.DC28Gen(), tb.DC28Disc(batchnorm=True)
    swift_dcgan_init(G, init_gen)
    swift_dcgan_init(D, init_gen)
    pg, pd = sum(p.numel() for p in G.parameters()), sum(p.numel() for p in D.parameters())
    assert (pg, pd) == (G_PARAMS, D_PARAMS), f"torch_bench dcgan28 changed: G {pg} D {pd} parameters"
    G.train(); D.train()
    optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    g_params, d_params = list(G.parameters()), list(D.parameters())

    z_gen = torch.Generator().manual_seed(args.seed + 1)
    shuffle_rng = np.random.default_rng(args.seed + 2)
    sample_z = torch.randn(args.samples, NZ, generator=torch.Generator().manual_seed(args.seed + 3))

    print(f"torch {torch.__version__} | threads {torch.get_num_threads()} "
          f"| OMP_WAIT_POLICY {os.environ.get('OMP_WAIT_POLICY', '(default)')} | data {n_data} images, {per_epoch} batches/epoch "
          f"| G {pg:,} D {pd:,} params | steps {args.steps} | snapshot every {args.snapshot_every} "
          f"| load avg at start {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}", flush=True)

    def snapshot(step):
        t0 = time.perf_counter()
        G.eval()
        with torch.no_grad():
            out = torch.cat([G(sample_z[i:i + 500]) for i in range(0, args.samples, 500)]).numpy()
        G.train()
        out = np.ascontiguousarray(out, dtype="<f4")
        np.save(os.path.join(args.out, f"samples-step-{step:06d}.npy"), out)
        write_png_grid(out[:64], os.path.join(args.out, f"grid-step-{step:06d}.png"))
        dt = time.perf_counter() - t0
        print(f"  snapshot step {step}: {out.shape} in [{out.min():.3f}, {out.max():.3f}], mean {out.mean():.3f} "
              f"({dt:.1f} s)", flush=True)
        return dt

    log = open(os.path.join(args.out, "log.jsonl"), "w")
    order, pos, epoch = shuffle_rng.permutation(n_data), 0, 0
    window = dict(lossD=0.0, lossG=0.0, steps=0, samples=0, seconds=0.0)
    train_seconds, snapshot_seconds, total_samples = 0.0, 0.0, 0
    started = time.perf_counter()
    snapshots = []

    for step in range(1, args.steps + 1):
        measure = step % args.log_every == 0 or step == args.steps
        t0 = time.perf_counter()
        if pos + BATCH > n_data:  # drop the last partial batch; new order for the next epoch
            order, pos, epoch = shuffle_rng.permutation(n_data), 0, epoch + 1
        real = images[torch.from_numpy(order[pos:pos + BATCH])]
        pos += BATCH

        # D step
        z = torch.randn(BATCH, NZ, generator=z_gen)
        fake = G(z)
        D.zero_grad(set_to_none=True)
        real_scores = D(real)
        fake_scores = D(fake.detach())
        loss_d = F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()
        loss_d.backward()
        if measure:
            gn_d = grad_norm(d_params)
            d_real = float(torch.sigmoid(real_scores.detach()).mean())
            d_fake = float(torch.sigmoid(fake_scores.detach()).mean())
        optD.step()
        # G step: same fake, non-saturating
        G.zero_grad(set_to_none=True)
        loss_g = F.softplus(-D(fake)).mean()
        loss_g.backward()
        if measure:
            gn_g = grad_norm(g_params)
        optG.step()
        ld, lg = loss_d.item(), loss_g.item()
        dt = time.perf_counter() - t0
        if not (math.isfinite(ld) and math.isfinite(lg)):
            raise SystemExit(f"non-finite loss at step {step}: D {ld} G {lg}")

        train_seconds += dt
        total_samples += BATCH
        window["lossD"] += ld; window["lossG"] += lg; window["steps"] += 1
        window["samples"] += BATCH; window["seconds"] += dt
        if measure:
            n = window["steps"]
            rate = window["samples"] / max(window["seconds"], 1e-9)
            rec = dict(step=step, epoch=epoch, loss_d=window["lossD"] / n, loss_g=window["lossG"] / n,
                       d_real=d_real, d_fake=d_fake, grad_norm_d=gn_d, grad_norm_g=gn_g,
                       images_per_second=rate, elapsed_s=time.perf_counter() - started)
            log.write(json.dumps(rec) + "\n"); log.flush()
            print(f"step {step}/{args.steps}  epoch {epoch}  loss D {rec['loss_d']:.4f}  G {rec['loss_g']:.4f}  "
                  f"D(x) {d_real:.3f}  D(G(z)) {d_fake:.3f}  |∇D| {gn_d:.3g}  |∇G| {gn_g:.3g}  {rate:.0f} img/s",
                  flush=True)
            window = dict(lossD=0.0, lossG=0.0, steps=0, samples=0, seconds=0.0)
        if step % args.snapshot_every == 0 or step == args.steps:
            snapshot_seconds += snapshot(step)
            snapshots.append(step)
    log.close()

    wall = time.perf_counter() - started
    load_end = os.getloadavg()
    summary = dict(
        script=os.path.abspath(__file__), torch=torch.__version__, threads=torch.get_num_threads(), seed=args.seed,
        omp_wait_policy=os.environ.get("OMP_WAIT_POLICY", "(default)"),
        steps=args.steps, batch=BATCH, nz=NZ, batches_per_epoch=per_epoch, data=args.data, samples=args.samples,
        snapshots=snapshots, params_g=pg, params_d=pd,
        wall_s=wall, train_s=train_seconds, snapshot_s=snapshot_seconds,
        images_per_second_train=total_samples / train_seconds, images_per_second_wall=total_samples / wall,
        loadavg_start=load_start, loadavg_end=load_end)
    with open(os.path.join(args.out, "run.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(f"done: {args.steps} steps in {wall:.1f} s wall ({train_seconds:.1f} s in training steps, "
          f"{snapshot_seconds:.1f} s in snapshots); {summary['images_per_second_train']:.0f} img/s training, "
          f"{summary['images_per_second_wall']:.0f} img/s overall | load avg at end "
          f"{load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}", flush=True)


if __name__ == "__main__":
    main()
