import Foundation
import Testing
import GANTensor
@testable import GANLayers
import GANTestSupport

/// Reading and writing safetensors: round trips, PyTorch's dtype conversions, every kind of
/// bad file (each must throw a `CheckpointError` naming the file, never crash), and atomic
/// writes.
struct SafeTensorsTests {
    /// `u64 header length | header | body`.
    static func file(_ header: String, body: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
        let h = Array(header.utf8)
        let length = declaredLength ?? UInt64(h.count)
        return Data((0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + h + body)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gan-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func roundTripsEveryDTypeAndMetadata() throws {
        var state = StateDict()
        state.insert("a.weight", Tensor([1.5, -2, 0.25, 3], shape: [2, 2]))
        state.insert("b.half", Tensor([1, 0.5, -65504, 1e-7]), dtype: .float16)
        state.insert("b.brain", Tensor([1, 3.140625, -2e30]), dtype: .bfloat16)
        state.insert("n", Tensor(12345), dtype: .int64)
        state.insert("empty", Tensor.zeros([0, 3]))
        let data = try SafeTensors.encode(state, metadata: ["format": "pt", "quote\"d": "line\nbreak"])
        let file = try SafeTensors.decode(data, source: "memory")
        #expect(file.metadata == ["format": "pt", "quote\"d": "line\nbreak"])
        #expect(Set(file.tensors.keys) == Set(state.keys))
        for entry in state {
            #expect(file.tensors.entry(entry.name)?.dtype == entry.dtype)
            #expect(file.tensors[entry.name]?.shape == entry.tensor.shape)
        }
        #expect(file.tensors["a.weight"]!.scalars == [1.5, -2, 0.25, 3])
        #expect(file.tensors["b.half"]!.scalars[0...2] == [1, 0.5, -65504])
        #expect(abs(file.tensors["b.half"]!.scalars[3] - 1e-7) < 6e-8)  // a half subnormal
        #expect(file.tensors["b.brain"]!.scalars[0...1] == [1, 3.140625])
        #expect(file.tensors["n"]!.item == 12345 && file.tensors["n"]!.shape == [])
        // Header length is a multiple of 8 and every tensor is aligned to its element size.
        let headerLength = Int(data.prefix(8).reversed().reduce(0) { $0 << 8 | UInt64($1) })
        #expect(headerLength % 8 == 0)
    }

    @Test func decodesAndEncodesLikePyTorch() throws {
        let file = try SafeTensors.read(contentsOf: Fixture.directory.appendingPathComponent("layers_dtypes.safetensors"))
        let t = file.tensors
        #expect(t.entry("src_f16")?.dtype == .float16 && t.entry("src_bf16")?.dtype == .bfloat16)
        func bits(_ x: Tensor) -> [UInt32] { x.scalars.map(\.bitPattern) }
        // Decoding: PyTorch's .float() of its half / bfloat16 values.
        #expect(bits(t["src_f16"]!) == bits(t["src_f16_as_f32"]!))
        #expect(bits(t["src_bf16"]!) == bits(t["src_bf16_as_f32"]!))
        #expect(bits(t["matrix_f16"]!) == bits(t["matrix_f16_as_f32"]!) && t["matrix_f16"]!.shape == [3, 4])
        // Encoding: our rounding of the float32 source gives PyTorch's .half() / .bfloat16() bits.
        let src = t["src"]!
        #expect(src.scalars.map(HalfPrecision.half(from:)).map(HalfPrecision.float(fromHalf:)).map(\.bitPattern)
                == bits(t["src_f16_as_f32"]!))
        // (NaN payloads differ: PyTorch's vectorised conversion gives 0xFFFF, ours the canonical 0x7FC0.)
        let ours = src.scalars.map(HalfPrecision.bfloat16(from:)).map(HalfPrecision.float(fromBFloat16:))
        let theirs = t["src_bf16_as_f32"]!.scalars
        #expect(zip(ours, theirs).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) })
        #expect(ours.contains { $0.isNaN })
        #expect(t["i64"]!.scalars == [0, 1, -5, 123456, -1_048_576, 16_777_216] && t.entry("i64")?.dtype == .int64)
        #expect(t["i64_scalar"]!.shape == [] && t["i64_scalar"]!.item == 7)
        #expect(file.metadata["about"] == "dtype conversions")
    }

    /// Bad files, each with the words its error must contain.
    static let badFiles: [(String, Data, String)] = [
        ("empty file", Data(), "shorter than the 8-byte header length"),
        ("truncated length", Data([1, 2, 3]), "shorter than the 8-byte header length"),
        ("absurd header length", file("{}", declaredLength: UInt64.max), "exceeds the limit"),
        ("header longer than the file", file("{}", declaredLength: 4096), "exceeds the 2 bytes after it"),
        ("not JSON", file("{nope"), "not valid JSON"),
        ("not an object", file("[1, 2]"), "does not start with '{'"),
        ("deep nesting", file("{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"),
         "nests deeper"),
        ("metadata not strings", file("{\"__metadata__\":{\"a\":1}}"), "__metadata__ entry 'a' is not a string"),
        ("entry not an object", file("{\"w\":3}"), "entry 'w' is not an object"),
        ("missing dtype", file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", body: [0, 0, 0, 0]), "no dtype"),
        ("unknown dtype", file("{\"w\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", body: [UInt8](repeating: 0, count: 8)),
         "dtype 'F64', expected one of F32, F16, BF16, I64"),
        ("negative shape", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", body: [0, 0, 0, 0]), "no valid shape"),
        ("fractional shape", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", body: [0, 0, 0, 0]), "no valid shape"),
        ("shape beyond 2^53", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,4]}}",
                                   body: [0, 0, 0, 0]), "no valid shape"),
        ("shape overflows", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4503599627370496,4503599627370496],\"data_offsets\":[0,4]}}",
                                 body: [0, 0, 0, 0]), "is too large to address"),
        ("huge offsets", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[1e300,4]}}", body: [0, 0, 0, 0]),
         "no valid data_offsets"),
        ("offsets past the end", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", body: [0, 0, 0, 0]),
         "outside the 4-byte data section"),
        ("offsets reversed", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", body: [0, 0, 0, 0]),
         "outside the 4-byte data section"),
        ("length lies", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", body: [0, 0, 0, 0]),
         "holding 4 bytes, but shape [2] of F32 needs 8"),
        ("overlap", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                         body: [UInt8](repeating: 0, count: 12)), "'a' and 'b' overlap"),
        ("gap", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", body: [UInt8](repeating: 0, count: 8)),
         "bytes 0..<4 after the header belong to no tensor"),
        ("trailing bytes", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", body: [UInt8](repeating: 0, count: 9)),
         "5 bytes after the last tensor"),
        ("wrong offsets count", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", body: [0, 0, 0, 0]),
         "no valid data_offsets"),
    ]

    @Test(arguments: 0..<badFiles.count)
    func badFilesGiveClearErrors(_ index: Int) throws {
        let (label, data, words) = Self.badFiles[index]
        do {
            _ = try SafeTensors.decode(data, source: "bad.safetensors")
            Issue.record("\(label): decoded without error")
        } catch let error as CheckpointError {
            #expect(error.description.hasPrefix("bad.safetensors: "), "\(label): \(error)")
            #expect(error.description.contains(words), "\(label): \(error)")
        }
    }

    @Test func truncatedRealCheckpointIsRejected() throws {
        let url = Fixture.directory.appendingPathComponent("layers_interchange_torch.safetensors")
        let data = try Data(contentsOf: url)
        for cut in [1, 7, 100, data.count / 2, data.count - 9] {
            #expect(throws: CheckpointError.self, "cut \(cut)") {
                _ = try SafeTensors.decode(data.prefix(data.count - cut), source: url.path)
            }
        }
        #expect(throws: CheckpointError.self) {
            _ = try SafeTensors.read(contentsOf: url.deletingLastPathComponent().appendingPathComponent("missing.safetensors"))
        }
    }

    @Test func randomCorruptionNeverCrashes() throws {
        let url = Fixture.directory.appendingPathComponent("layers_interchange_torch.safetensors")
        let original = try Data(contentsOf: url)
        let headerEnd = 8 + Int(original.prefix(8).reversed().reduce(0) { $0 << 8 | UInt64($1) })
        var rng = RandomGenerator(seed: 12)
        var rejected = 0
        for trial in 0..<400 {
            var data = original
            for _ in 0..<(1 + trial % 4) {
                // Mostly the length and header, where corruption matters.
                let position = Int(rng.next() % UInt64(trial % 3 == 0 ? data.count : headerEnd))
                data[position] = UInt8(truncatingIfNeeded: rng.next())
            }
            do { _ = try SafeTensors.decode(data, source: "fuzz") } catch is CheckpointError { rejected += 1 }
        }
        #expect(rejected > 100)
    }

    @Test func missingAndMisshapedKeysNameTheFile() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var rng = RandomGenerator(seed: 2)
        let url = directory.appendingPathComponent("checkpoint.safetensors")
        try Conv2d(inputChannels: 3, outputChannels: 4, kernelSize: 3, using: &rng).save(to: url)
        let narrower = Conv2d(inputChannels: 1, outputChannels: 4, kernelSize: 3, using: &rng)
        #expect {
            try narrower.load(contentsOf: url)
        } throws: { error in
            "\(error)" == "\(url.path): tensor 'weight' has shape [4, 3, 3, 3], expected [4, 1, 3, 3]"
        }
        let unbiased = Conv2d(inputChannels: 3, outputChannels: 4, kernelSize: 3, bias: false, using: &rng)
        #expect {
            try unbiased.load(contentsOf: url)
        } throws: { error in
            "\(error)" == "\(url.path): unexpected key 'bias'"
        }
        let normalized = SpectralNorm(Conv2d(inputChannels: 3, outputChannels: 4, kernelSize: 3, using: &rng), using: &rng)
        #expect {
            try normalized.load(contentsOf: url)
        } throws: { error in
            "\(error)".contains("missing keys 'weight_orig', 'weight_u', 'weight_v'") && "\(error)".contains("unexpected key 'weight'")
        }
    }

    @Test func writesAreAtomic() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        var first = StateDict()
        first.insert("w", Tensor([1, 2, 3]))
        try SafeTensors.write(first, to: url)
        let before = try Data(contentsOf: url)

        var second = StateDict()
        second.insert("w", Tensor([4, 5, 6, 7]))
        let data = try SafeTensors.encode(second)
        for cut in [0, 5, data.count - 1] {
            #expect(throws: CheckpointError.self) { try SafeTensors.writeAtomically(data, to: url, interruptAfter: cut) }
            #expect(try Data(contentsOf: url) == before)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
        try SafeTensors.write(second, to: url)
        #expect(try SafeTensors.read(contentsOf: url).tensors["w"]!.scalars == [4, 5, 6, 7])

        let nowhere = directory.appendingPathComponent("no/such/folder/model.safetensors")
        #expect(throws: CheckpointError.self) { try SafeTensors.write(first, to: nowhere) }
        var bad = StateDict()
        bad.insert("count", Tensor([1.5]), dtype: .int64)
        #expect {
            try SafeTensors.write(bad, to: url)
        } throws: { error in
            "\(error)".contains("tensor 'count' holds 1.5, which is not an I64 integer")
        }
        #expect(try SafeTensors.read(contentsOf: url).tensors["w"]!.scalars == [4, 5, 6, 7])
    }
}
