#!/usr/bin/env python3
"""Write the seed corpus of the reader fuzz tests (Tests/Fixtures/fuzz/): one small valid file
per format and variant the readers take, so mutations start from inputs that get deep into each
parser. Deterministic; run from the repository root:

    python3 scripts/make_fuzz_corpus.py
"""
import gzip
import io
import json
import os
import struct

import numpy as np
from PIL import Image
from safetensors.numpy import save

OUT = "Tests/Fixtures/fuzz"
rng = np.random.default_rng(0)


def write(name, data):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def idx(array, code):
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.tobytes()


images = rng.integers(0, 256, (3, 4, 4), dtype=np.uint8)
write("idx/images.idx", idx(images, 0x08))
write("idx/labels.idx", idx(np.array([0, 3, 9], dtype=np.uint8), 0x08))
write("idx/images.idx.gz", gzip.compress(idx(images, 0x08), mtime=0))

for name, array in [("f4", rng.standard_normal((2, 3)).astype("<f4")), ("f8", rng.standard_normal((3,)).astype("<f8")),
                    ("u1", rng.integers(0, 256, (2, 1, 2, 2), dtype=np.uint8)), ("i8", np.arange(4, dtype="<i8"))]:
    buffer = io.BytesIO()
    np.save(buffer, array)
    write(f"npy/{name}.npy", buffer.getvalue())

record = lambda label: bytes([label]) + rng.integers(0, 256, 3072, dtype=np.uint8).tobytes()
write("cifar10/data_batch_1.bin", record(3) + record(9))
write("cifar100/train.bin", bytes([4]) + record(17) + bytes([19]) + record(99))

for name, mode, size in [("grey", "L", (4, 3)), ("rgb", "RGB", (3, 4)), ("rgba", "RGBA", (4, 4)), ("palette", "P", (5, 2)),
                         ("grey16", "I;16", (2, 2)), ("la", "LA", (3, 3))]:
    image = Image.frombytes(mode, size, rng.integers(0, 256, size[0] * size[1] * len(Image.new(mode, (1, 1)).getbands())
                                                      * (2 if mode == "I;16" else 1), dtype=np.uint8).tobytes())
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    write(f"png/{name}.png", buffer.getvalue())

for name, mode in [("rgb", "RGB"), ("grey", "L")]:
    image = Image.fromarray(rng.integers(0, 256, (8, 8, 3) if mode == "RGB" else (8, 8), dtype=np.uint8), mode)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    write(f"jpeg/{name}.jpg", buffer.getvalue())
buffer = io.BytesIO()
Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8), "RGB").save(buffer, format="JPEG", progressive=True)
write("jpeg/progressive.jpg", buffer.getvalue())

write("safetensors/small.safetensors",
      save({"a.weight": rng.standard_normal((2, 3)).astype(np.float32), "b": np.arange(3, dtype=np.int64),
            "c": rng.standard_normal((2,)).astype(np.float16)}, metadata={"format": "pt"}))

write("emoji-test/emoji-test.txt", """# emoji-test.txt
# group: Smileys & Emotion
# subgroup: face-smiling
1F600                                                  ; fully-qualified     # 😀 E1.0 grinning face
1F603                                                  ; fully-qualified     # 😃 E0.6 grinning face with big eyes
# group: People & Body
# subgroup: hand-fingers-open
1F44B 1F3FB                                            ; fully-qualified     # 👋🏻 E1.0 waving hand: light skin tone
263A                                                   ; unqualified         # ☺ E0.6 smiling face
""".encode())
print("wrote", sum(len(files) for _, _, files in os.walk(OUT)), "files under", OUT)
