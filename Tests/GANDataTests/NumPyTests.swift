import Foundation
import GANTensor
import Testing
@testable import GANData

@Suite struct NumPyTests {
    @Test func float32RoundTrip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let t = Tensor((0..<24).map { Float($0) * 0.37 - 4 }, shape: [2, 3, 4])
        try NumPy.write(t, to: dir.file("a.npy"))
        let back = try NumPy.read(dir.file("a.npy"))
        #expect(back == NumPyArray(shape: [2, 3, 4], values: .float32(t.scalars)))
        // The data starts on a 64-byte boundary, as NumPy writes it.
        let bytes = try FileIO.readBytes(dir.file("a.npy"))
        #expect((bytes.count - 24 * 4) % 64 == 0)
    }

    @Test func uint8AndIntegerRoundTrip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let bytes = NumPyArray(shape: [7], values: .uint8([0, 1, 2, 250, 251, 254, 255]))
        try NumPy.write(bytes, to: dir.file("u8.npy"))
        #expect(try NumPy.read(dir.file("u8.npy")) == bytes)
        let ints = NumPyArray(shape: [2, 2], values: .int64([-5, 0, 7, 1 << 40]))
        try NumPy.write(ints, to: dir.file("i8.npy"))
        #expect(try NumPy.read(dir.file("i8.npy")) == ints)
        let scalar = NumPyArray(shape: [], values: .float32([2.5]))
        try NumPy.write(scalar, to: dir.file("s.npy"))
        #expect(try NumPy.read(dir.file("s.npy")) == scalar)
    }

    @Test func readsWhatNumPyWrites() throws {
        // Cross-check with NumPy itself when it is installed (skipped quietly otherwise).
        guard runTool(["python3", "-c", "import numpy"])?.status == 0 else { return }
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let script = """
            import numpy as np
            np.save('\(dir.file("f.npy"))', np.arange(12, dtype=np.float32).reshape(3, 4) / 4)
            np.save('\(dir.file("b.npy"))', (np.arange(24) * 10 % 256).astype(np.uint8).reshape(2, 3, 4))
            np.save('\(dir.file("d.npy"))', np.array([1.5, -2.0], dtype='>f8'))
            np.save('\(dir.file("l.npy"))', np.array([3, 1, 2]))
            """
        #expect(runTool(["python3", "-c", script])?.status == 0)
        #expect(try NumPy.read(dir.file("f.npy")) == NumPyArray(shape: [3, 4], values: .float32((0..<12).map { Float($0) / 4 })))
        #expect(try NumPy.read(dir.file("b.npy")) == NumPyArray(shape: [2, 3, 4], values: .uint8((0..<24).map { UInt8($0 * 10 % 256) })))
        #expect(try NumPy.read(dir.file("d.npy")) == NumPyArray(shape: [2], values: .float32([1.5, -2])))
        #expect(try NumPy.read(dir.file("l.npy")) == NumPyArray(shape: [3], values: .int64([3, 1, 2])))
        // And NumPy reads what we write.
        try NumPy.write(Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]), to: dir.file("ours.npy"))
        let check = runTool(["python3", "-c", "import numpy as np; a = np.load('\(dir.file("ours.npy"))'); print(a.dtype, a.shape, a.sum())"])
        #expect(check?.output.trimmingCharacters(in: .whitespacesAndNewlines) == "float32 (2, 3) 21.0")
    }

    @Test func malformedHeader() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = dir.file("bad-header.npy")
        func write(header: String, payload: [UInt8] = [0, 0, 0, 0]) throws {
            let h = Array(header.utf8)
            try FileIO.writeBytes([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.count), 0] + h + payload, to: path)
        }
        try write(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,) \n")
        expectError(dataError { try NumPy.read(path) }, .malformed, mentions: ["bad-header.npy", "malformed header", "expected a dict"])
        try write(header: "{'descr': '<f4', 'shape': (1,), }\n")
        expectError(dataError { try NumPy.read(path) }, .malformed, mentions: ["bad-header.npy", "missing [\"fortran_order\"]"])
        try write(header: "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }\n")
        expectError(dataError { try NumPy.read(path) }, .malformed, mentions: ["True or False"])
        try write(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (x,), }\n")
        expectError(dataError { try NumPy.read(path) }, .malformed, mentions: ["dimension"])
        // Not an .npy at all; header length beyond the file.
        try FileIO.writeBytes(Array("PK\u{3}\u{4} a zip archive".utf8), to: path)
        expectError(dataError { try NumPy.read(path) }, .malformed, mentions: ["bad-header.npy", "magic string"])
        try FileIO.writeBytes([0x93] + Array("NUMPY".utf8) + [1, 0, 200, 0, 0x7B], to: path)
        expectError(dataError { try NumPy.read(path) }, .malformed, mentions: ["header truncated", "expected 200"])
    }

    @Test func unsupportedDtypeAndLayout() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = dir.file("complex.npy")
        func write(header: String) throws {
            let h = Array(header.utf8)
            try FileIO.writeBytes([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.count), 0] + h + [UInt8](repeating: 0, count: 16), to: path)
        }
        try write(header: "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }\n")
        expectError(dataError { try NumPy.read(path) }, .unsupported, mentions: ["complex.npy", "'<c8'", "expected float32 ('<f4')", "uint8 ('|u1')"])
        try write(header: "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n")
        expectError(dataError { try NumPy.read(path) }, .unsupported, mentions: ["fortran_order True"])
        try write(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }\n")
        expectError(dataError { try NumPy.read(path) }, .malformed, mentions: ["data truncated", "expected 24 bytes", "found 16"])
    }

    @Test func datasetShapes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        // NHWC uint8 images are reordered to NCHW.
        let nhwc = (0..<(2 * 2 * 3 * 3)).map { UInt8($0) }
        try NumPy.write(NumPyArray(shape: [2, 2, 3, 3], values: .uint8(nhwc)), to: dir.file("x.npy"))
        try NumPy.write(NumPyArray(shape: [2], values: .int64([1, 0])), to: dir.file("y.npy"))
        let set = try NumPy.loadDataset(dir.file("x.npy"), labels: dir.file("y.npy"))
        #expect(set.sampleShape == [3, 2, 3])
        #expect(set.labels == [1, 0])
        guard case .bytes(let planar) = set.values else { Issue.record("expected bytes"); return }
        #expect(Array(planar.prefix(6)) == [0, 3, 6, 9, 12, 15])  // red plane of image 0
        // Float points [N, 2] pass through unchanged.
        try NumPy.write(Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2]), to: dir.file("p.npy"))
        let points = try NumPy.loadDataset(dir.file("p.npy"))
        #expect(points.sampleShape == [2] && points.allSamples().scalars == [1, 2, 3, 4, 5, 6])
        // Labels that do not match.
        expectError(dataError { try NumPy.loadDataset(dir.file("p.npy"), labels: dir.file("y.npy")) }, .malformed,
                    mentions: ["y.npy", "expected 3 labels"])
    }
}
